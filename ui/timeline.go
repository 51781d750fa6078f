package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// TimelineBar is a Page's last 30 days as one bar: the time it worked in
// the success colour, each outage in its status's colour, the time before
// it was connected in grey. The words are below it (what happened), never
// colour alone.
type TimelineBar struct {
	spans   []timelineSpan
	content fyne.CanvasObject
}

// timelineSpan is a stretch of the bar, as fractions of its width.
type timelineSpan struct {
	from, to float32
	color    color.Color
}

func newTimelineBar(outs []keeper.Outage, p keeper.PageRecord, now time.Time) *TimelineBar {
	start := now.AddDate(0, 0, -timelineDays)
	total := now.Sub(start)
	frac := func(t time.Time) float32 {
		switch {
		case t.Before(start):
			return 0
		case t.After(now):
			return 1
		}
		return float32(t.Sub(start)) / float32(total)
	}
	b := &TimelineBar{}
	from := p.ConnectedAt
	if len(outs) > 0 && outs[0].Start.Before(from) {
		from = outs[0].Start // renewals move ConnectedAt: it was connected before
	}
	if p.Status == keeper.StatusDisconnected || from.IsZero() {
		from = start
	}
	if f := frac(from); f > 0 {
		b.spans = append(b.spans, timelineSpan{0, f, theme.Color(theme.ColorNameDisabled)})
	}
	b.spans = append(b.spans, timelineSpan{frac(from), 1, theme.Color(theme.ColorNameSuccess)})
	for _, o := range outs {
		end := o.End
		if end.IsZero() {
			end = now
		}
		b.spans = append(b.spans, timelineSpan{frac(o.Start), max(frac(end), frac(o.Start)+0.003), statusColor(o.Status)})
	}
	if p.Status == keeper.StatusDisconnected && !p.DisconnectedAt.IsZero() {
		b.spans = append(b.spans, timelineSpan{frac(p.DisconnectedAt), 1, theme.Color(theme.ColorNameDisabled)})
	}
	bar := container.New(&spanLayout{b: b})
	for _, s := range b.spans {
		r := canvas.NewRectangle(s.color)
		bar.Add(r)
	}
	ago := widget.NewLabel(tr("log.timeline_start", "30 days ago"))
	ago.Importance = widget.LowImportance
	nowLabel := widget.NewLabel(tr("log.timeline_now", "now"))
	nowLabel.Importance = widget.LowImportance
	b.content = container.NewVBox(bar, container.NewBorder(nil, nil, ago, nowLabel))
	return b
}

// statusColor is a status's colour on the timeline.
func statusColor(s keeper.Status) color.Color {
	switch s {
	case keeper.StatusInvalid:
		return theme.Color(theme.ColorNameError)
	case keeper.StatusNeedsAttention:
		return theme.Color(theme.ColorNameWarning)
	}
	return theme.Color(theme.ColorNameDisabled)
}

// spanLayout places the bar's rectangles by their fractions.
type spanLayout struct{ b *TimelineBar }

func (l *spanLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for i, o := range objects {
		s := l.b.spans[i]
		o.Move(fyne.NewPos(s.from*size.Width, 0))
		o.Resize(fyne.NewSize((s.to-s.from)*size.Width, size.Height))
	}
}

func (l *spanLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(200, 14) }
