package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Status is a Page's connection status as the dashboard shows it.
type Status string

// The statuses a page owner sees. Each has words and an icon, never colour alone.
const (
	StatusUnchecked      Status = "unchecked"
	StatusValid          Status = "valid"
	StatusNeedsAttention Status = "needs_attention"
	StatusInvalid        Status = "invalid"
	StatusCouldNotCheck  Status = "could_not_check"
	StatusDisconnected   Status = "disconnected"
)

// Text is the status in the user's words.
func (s Status) Text() string {
	switch s {
	case StatusValid:
		return tr("status.valid", "Valid")
	case StatusNeedsAttention:
		return tr("status.needs_attention", "Needs attention")
	case StatusInvalid:
		return tr("status.invalid", "Invalid")
	case StatusCouldNotCheck:
		return tr("status.could_not_check", "Could not check")
	case StatusDisconnected:
		return tr("status.disconnected", "Disconnected")
	default:
		return tr("status.unchecked", "Not checked yet")
	}
}

// rank orders the table so problems come first.
func (s Status) rank() int {
	switch s {
	case StatusInvalid:
		return 0
	case StatusNeedsAttention:
		return 1
	case StatusCouldNotCheck:
		return 2
	case StatusUnchecked:
		return 3
	case StatusValid:
		return 4
	default:
		return 5
	}
}

func (s Status) icon() fyne.Resource {
	switch s {
	case StatusValid:
		return theme.ConfirmIcon()
	case StatusNeedsAttention:
		return theme.WarningIcon()
	case StatusInvalid:
		return theme.ErrorIcon()
	case StatusCouldNotCheck:
		return theme.QuestionIcon()
	case StatusDisconnected:
		return theme.CancelIcon()
	default:
		return theme.HistoryIcon()
	}
}

func (s Status) importance() widget.Importance {
	switch s {
	case StatusValid:
		return widget.SuccessImportance
	case StatusNeedsAttention:
		return widget.WarningImportance
	case StatusInvalid:
		return widget.DangerImportance
	default:
		return widget.MediumImportance
	}
}
