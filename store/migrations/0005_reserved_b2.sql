-- 0005: a placeholder in branch w3-e only, so that 0006 has no gap. The
-- real migration of this number comes from another branch; delete this file
-- at the merge (docs/DESIGN.md: a gap in the numbers is a bug).
SELECT 1;
