package ui

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/pagekeeper/pagekeeper/keeper"
)

func TestMessengerLinkWithRefCopyAndQRCode(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	var saved []byte
	v := newLinkView(keeper.PageRecord{ID: "110000000000001", Name: "Sunrise Café", Username: "sunrisecafe"}, newKeyEntry(nil, nil),
		a.Clipboard(), func(data []byte, name string) {
			if !strings.HasSuffix(name, ".png") {
				t.Errorf("file name %q", name)
			}
			saved = data
		})
	if v.Link.Text != "https://m.me/sunrisecafe" {
		t.Fatalf("plain link = %q", v.Link.Text)
	}
	test.Type(v.Ref, "summer-poster")
	if v.Link.Text != "https://m.me/sunrisecafe?ref=summer-poster" {
		t.Fatalf("link = %q", v.Link.Text)
	}
	test.Tap(v.Copy)
	if got := a.Clipboard().Content(); got != v.Link.Text || v.Copy.Text != "Copied" {
		t.Fatalf("clipboard = %q, the button says %q", got, v.Copy.Text)
	}
	test.Tap(v.Save)
	img, err := png.Decode(bytes.NewReader(saved))
	if err != nil || img.Bounds().Dx() < 256 {
		t.Fatalf("saved QR code: %v %v", err, img)
	}
	// A ref Facebook would not pass on is refused, in words, and nothing can be copied.
	test.Type(v.Ref, " with spaces")
	if v.Link.Text != "" || !strings.Contains(v.Problem.Text, "letters, digits") || !v.Copy.Disabled() {
		t.Fatalf("bad ref: link %q problem %q", v.Link.Text, v.Problem.Text)
	}
	// The last good link's QR code must not stay as if it were this ref's.
	if v.QR.Visible() || !v.Save.Disabled() {
		t.Fatal("an invalid ref still shows (or saves) the previous QR code")
	}
	test.Type(v.Ref, "")
	v.Ref.SetText("back-to-good")
	if !v.QR.Visible() || v.Link.Text != "https://m.me/sunrisecafe?ref=back-to-good" {
		t.Fatalf("a good ref again: link %q, QR shown %v", v.Link.Text, v.QR.Visible())
	}
}
