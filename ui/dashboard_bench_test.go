package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// rows10k is a dashboard's worth of Pages for the scale figures.
func rows10k() []PageRow {
	rows := make([]PageRow, 10000)
	for i := range rows {
		st := keeper.StatusValid
		if i%97 == 0 {
			st = keeper.StatusNeedsAttention
		}
		rows[i] = PageRow{ID: fmt.Sprintf("13%013d", i), Name: fmt.Sprintf("Sandbox Page %05d", i), Status: st, Updated: time.Now()}
	}
	return rows
}

// BenchmarkFilterKeystroke10k is one keystroke in the search box over
// 10,000 Pages: filtering and refreshing the visible rows (goal < 10 ms).
func BenchmarkFilterKeystroke10k(b *testing.B) {
	a := test.NewTempApp(b)
	SetLanguage("en")
	d := NewDashboard(DashboardOptions{}, DashboardActions{})
	w := a.NewWindow("bench")
	w.SetContent(d.Content())
	w.Resize(fyne.NewSize(1180, 720))
	d.SetPages(rows10k())
	queries := []string{"s", "sa", "san", "sand", "page 0", "page 01", "page 012", "13000", "1300000001", ""}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.Search.SetText(queries[i%len(queries)])
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/keystroke")
}

// BenchmarkSetPages10k is loading 10,000 Pages into the table (sorting
// problems first included).
func BenchmarkSetPages10k(b *testing.B) {
	test.NewTempApp(b)
	SetLanguage("en")
	d := NewDashboard(DashboardOptions{}, DashboardActions{})
	rows := rows10k()
	for b.Loop() {
		d.SetPages(append([]PageRow(nil), rows...))
	}
}
