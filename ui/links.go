package ui

import (
	"bytes"
	"errors"
	"image"
	"image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// LinkView builds a custom Messenger link (m.me with a ref) for a Page: the
// link to copy, its QR code to show and save for posters and receipts.
type LinkView struct {
	Ref     *keyEntry
	Link    *widget.Entry
	Problem *widget.Label
	Copy    *widget.Button
	Save    *widget.Button
	QR      *canvas.Image
	png     []byte
	content fyne.CanvasObject
}

func newLinkView(p keeper.PageRecord, ref *keyEntry, clip fyne.Clipboard, save func(data []byte, name string)) *LinkView {
	v := &LinkView{Ref: ref, Link: widget.NewEntry(), Problem: wrapped("")}
	v.Ref.SetPlaceHolder(tr("links.ref_placeholder", "for example summer-poster"))
	v.Link.Disable()
	v.Problem.Importance = widget.DangerImportance
	v.QR = canvas.NewImageFromImage(image.NewGray(image.Rect(0, 0, 1, 1)))
	v.QR.FillMode = canvas.ImageFillContain
	v.QR.ScaleMode = canvas.ImageScalePixels
	v.QR.SetMinSize(fyne.NewSquareSize(220))
	v.Copy = copyButton(tr("links.copy", "Copy link"), clip, func() string { return v.Link.Text })
	v.Save = widget.NewButtonWithIcon(tr("links.save", "Save QR code…"), theme.DocumentSaveIcon(), func() {
		if v.png != nil && save != nil {
			save(v.png, "messenger-"+orDefault(p.Username, p.ID)+".png")
		}
	})
	page := orDefault(p.Username, p.ID)
	update := func(ref string) {
		link, err := keeper.MessengerLink(page, ref)
		if err == nil {
			v.png, err = qrcode.Encode(link, qrcode.Medium, 512)
		}
		if err != nil {
			// Nothing of the last good link stays: its QR code would be
			// taken for this ref's.
			v.png = nil
			v.QR.Image = image.NewGray(image.Rect(0, 0, 1, 1))
			v.QR.Hide()
			v.Link.SetText("")
			v.Problem.SetText(linkProblem(err))
			v.Problem.Show()
			v.Copy.Disable()
			v.Save.Disable()
			return
		}
		img, _ := png.Decode(bytes.NewReader(v.png))
		v.QR.Image = img
		v.QR.Show()
		v.QR.Refresh()
		v.Link.SetText(link)
		v.Problem.SetText("")
		v.Problem.Hide()
		v.Copy.Enable()
		v.Save.Enable()
	}
	v.Ref.OnChanged = update
	update("")
	help := wrapped(tr("links.what", "A person who opens this link (or scans the code) lands in a Messenger conversation with {{.Name}}; your integration receives the ref, so it knows where they came from.", map[string]any{"Name": p.Name}))
	form := widget.NewForm(widget.NewFormItem(tr("links.ref", "Ref (letters, digits and - _ . : = + /)"), v.Ref))
	v.content = container.NewBorder(container.NewVBox(help, form, v.Link, v.Problem, container.NewHBox(v.Copy, v.Save)), nil, nil, nil,
		container.NewCenter(v.QR))
	return v
}

func linkProblem(err error) string {
	switch {
	case errors.Is(err, keeper.ErrRefTooLong):
		return tr("links.too_long", "The ref is too long: keep it under 150 characters.")
	case errors.Is(err, keeper.ErrInvalidRef):
		return tr("links.bad_ref", "The ref may only use letters, digits and - _ . : = + /")
	case errors.Is(err, keeper.ErrInvalidPageName):
		return tr("links.bad_page", "This Page has no username or ID Messenger links can use.")
	}
	return err.Error()
}

// showLinks opens the Messenger-link builder for a Page.
func (m *MainWindow) showLinks(p keeper.PageRecord) *LinkView {
	v := newLinkView(p, m.newEntry(), fyne.CurrentApp().Clipboard(), func(data []byte, name string) {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			_, err = w.Write(data)
			if err = firstErr(err, w.Close()); err != nil {
				m.showError(err)
			}
		}, m.Window)
		d.SetFileName(name)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".png"}))
		m.present(d, nil)
	})
	d, _ := m.showDialog(tr("links.title", "Messenger link for {{.Name}}", map[string]any{"Name": p.Name}), v.content, v.Ref,
		choice{label: tr("dialog.close", "Close"), isCancel: true, isDefault: true})
	d.Resize(m.dialogSize(640, 580))
	return v
}
