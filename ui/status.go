package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// How the window shows a Page's status: in words, with an icon (never by
// colour alone), problems first.

// statusText is the status in the owner's words.
func statusText(s keeper.Status) string { return text(s.Words()) }

// statusRank orders the table so problems come first.
func statusRank(s keeper.Status) int {
	switch s {
	case keeper.StatusInvalid:
		return 0
	case keeper.StatusNeedsAttention:
		return 1
	case keeper.StatusCouldNotCheck:
		return 2
	case keeper.StatusUnchecked:
		return 3
	case keeper.StatusValid:
		return 4
	default:
		return 5
	}
}

func statusIcon(s keeper.Status) fyne.Resource {
	switch s {
	case keeper.StatusValid:
		return theme.ConfirmIcon()
	case keeper.StatusNeedsAttention:
		return theme.WarningIcon()
	case keeper.StatusInvalid:
		return theme.ErrorIcon()
	case keeper.StatusCouldNotCheck:
		return theme.QuestionIcon()
	case keeper.StatusDisconnected:
		return theme.CancelIcon()
	default:
		return theme.HistoryIcon()
	}
}

func statusImportance(s keeper.Status) widget.Importance {
	switch s {
	case keeper.StatusValid:
		return widget.SuccessImportance
	case keeper.StatusNeedsAttention:
		return widget.WarningImportance
	case keeper.StatusInvalid:
		return widget.DangerImportance
	default:
		return widget.MediumImportance
	}
}
