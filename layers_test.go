package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layers docs/DESIGN.md promises, kept by the imports of the
// non-test code (tests may reach further, e.g. into the sandbox):
// ui and ui/cli → keeper (and assets); keeper → fb, store, sandbox (and the
// integration contract it will deliver by, and the translations in assets
// its catalog renders from); fb and store never import each
// other or keeper (both may use the leaf fb/token); the sandbox imports only
// the relay page and its rule, which it plays; the integration contract and
// its receiver import nothing of the desktop app but the leaf fb/token, so
// an integrator pulls in nothing else; nothing but main imports ui (or the
// example integration's command); nothing that ships imports the test
// helpers under internal/.
var layers = map[string][]string{ // package → the module's packages it may import
	"ui":                   {"keeper", "assets", "ui/firstframe"},
	"ui/firstframe":        {},
	"ui/cli":               {"keeper"},
	"keeper":               {"fb", "fb/login", "fb/login/relay", "fb/token", "store", "sandbox", "integration", "assets"},
	"fb":                   {"fb/token"},
	"fb/login":             {"fb", "fb/login/relay", "fb/token"},
	"fb/login/relay":       {},
	"fb/token":             {},
	"store":                {"fb/token"},
	"sandbox":              {"assets", "fb/login/relay"},
	"assets":               {},
	"integration":          {"fb/token"},
	"integration/receiver": {"integration", "fb/token"},
	// The example integration answers Messenger through Pagekeeper's Graph
	// client; it is Pagekeeper's own command, not what integrators import.
	"integration/example": {"integration", "integration/receiver", "fb", "fb/token"},
}

func TestTheImportsKeepTheLayers(t *testing.T) {
	mod := modulePath(t)
	imports := moduleImports(t, mod)
	if len(imports) < 8 {
		t.Fatalf("found only %d packages; the walk is broken", len(imports))
	}
	for pkg, imps := range imports {
		allowed, ruled := layers[pkg]
		for _, imp := range imps {
			switch {
			case (imp == "ui" || imp == "ui/cli" || imp == "integration/example") && pkg != ".":
				t.Errorf("%s imports %s: only main wires the front ends and commands", pkg, imp)
			case strings.HasPrefix(imp, "internal/") && !strings.HasPrefix(pkg, "internal/"):
				t.Errorf("%s imports %s: test helpers never ship", pkg, imp)
			case ruled && !slices.Contains(allowed, imp):
				t.Errorf("%s imports %s; it may import only %v of Pagekeeper's packages", pkg, imp, allowed)
			}
		}
	}
	for pkg := range layers {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("package %s was not found", pkg)
		}
	}
}

func modulePath(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return strings.TrimSpace(p)
		}
	}
	t.Fatal("go.mod names no module")
	return ""
}

// moduleImports maps each package of the module (by its path inside it,
// "." for main) to the module's packages its non-test files import.
func moduleImports(t *testing.T, mod string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// As the go command: dot and underscore folders and testdata are not packages.
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, is := range f.Imports {
			imp, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return err
			}
			if rel, ok := strings.CutPrefix(imp, mod+"/"); ok && !slices.Contains(out[pkg], rel) {
				out[pkg] = append(out[pkg], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
