package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// Golden markup of the main screens: a change in what a page owner sees shows
// up as a diff of testdata/*.xml (the actual output lands in testdata/failed/).
func goldenDashboard(t *testing.T, rows []PageRow) fyne.Window {
	t.Helper()
	test.NewTempApp(t).Settings().SetTheme(Theme())
	SetLanguage("en")
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	d := NewDashboard(DashboardOptions{Sandbox: true, Now: func() time.Time { return now }}, DashboardActions{})
	d.SetPages(rows)
	w := test.NewTempWindow(t, d.Content())
	w.Resize(fyne.NewSize(1180, 720))
	return w
}

func TestGoldenEmptyDashboard(t *testing.T) {
	w := goldenDashboard(t, nil)
	test.AssertRendersToMarkup(t, "dashboard_empty.xml", w.Canvas())
}

func TestGoldenDashboardWithAProblem(t *testing.T) {
	at := time.Date(2026, 11, 22, 8, 55, 0, 0, time.UTC)
	w := goldenDashboard(t, []PageRow{
		{ID: "110000000000001", Name: "Sunrise Café", Status: keeper.StatusValid, Updated: at},
		{ID: "110000000000002", Name: "Harbor Books", Status: keeper.StatusInvalid, Short: "Page role lost",
			Reason: "The account that connected this Page no longer has a role on it.", Action: "Press Renew.", Updated: at},
		{ID: "110000000000007", Name: "Blue Door Studio", Status: keeper.StatusNeedsAttention, Short: "webhook missing", Resubscribe: true, Updated: at},
	})
	test.AssertRendersToMarkup(t, "dashboard_problem.xml", w.Canvas())
}
