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
	if got := a.Clipboard().Content(); got != v.Link.Text {
		t.Fatalf("clipboard = %q", got)
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
}
