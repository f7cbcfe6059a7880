package photos_test

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/internal/apperr"
	"gridgov/internal/photos"
	"gridgov/internal/photos/photostest"
)

func upload(name string, data []byte) *graphql.Upload {
	return &graphql.Upload{File: bytes.NewReader(data), Filename: name, Size: int64(len(data))}
}

// TestPreparePublicJPEG: a resident's JPEG loses its EXIF, GPS position included, and keeps
// its pixels; a staff photo keeps its bytes as sent.
func TestPreparePublicJPEG(t *testing.T) {
	data := photostest.JPEG(t, photostest.Image(64, 48), 1)
	pub, err := photos.Prepare("photos", []*graphql.Upload{upload("a.jpg", data)}, true)
	if err != nil {
		t.Fatal(err)
	}
	p := pub[0]
	if p.ContentType != photos.JPEG || p.Width != 64 || p.Height != 48 {
		t.Errorf("prepared %s %d×%d, want image/jpeg 64×48", p.ContentType, p.Width, p.Height)
	}
	if bytes.Contains(p.Data, []byte("Exif")) || len(p.Data) >= len(data) {
		t.Errorf("public photo still holds its EXIF (%d bytes of %d)", len(p.Data), len(data))
	}
	if _, err := jpeg.Decode(bytes.NewReader(p.Data)); err != nil {
		t.Errorf("stripped photo does not decode: %v", err)
	}
	if th, err := jpeg.DecodeConfig(bytes.NewReader(p.Thumb)); err != nil || th.Width != 64 {
		t.Errorf("thumbnail %+v %v, want a 64 px wide JPEG (no upscaling)", th, err)
	}
	staff, err := photos.Prepare("photos", []*graphql.Upload{upload("a.jpg", data)}, false)
	if err != nil || !bytes.Equal(staff[0].Data, data) {
		t.Errorf("staff photo changed on upload (%v)", err)
	}
}

// TestPrepareTurnsUpright: a phone photo taken upright (EXIF orientation 6, stored on its
// side) is measured, thumbnailed and published upright.
func TestPrepareTurnsUpright(t *testing.T) {
	data := photostest.JPEG(t, photostest.Image(400, 200), 6)
	out, err := photos.Prepare("photos", []*graphql.Upload{upload("side.jpg", data)}, true)
	if err != nil {
		t.Fatal(err)
	}
	p := out[0]
	if p.Width != 200 || p.Height != 400 {
		t.Errorf("size %d×%d, want 200×400 (turned)", p.Width, p.Height)
	}
	for name, b := range map[string][]byte{"published": p.Data, "thumbnail": p.Thumb} {
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s := img.Bounds().Size(); s.X >= s.Y {
			t.Errorf("%s is %v, want portrait", name, s)
		}
		// Orientation 6 turns clockwise: the red left half comes out on top.
		if r, _, _, _ := img.At(img.Bounds().Dx()/2, img.Bounds().Dy()/8).RGBA(); r < 0x8000 {
			t.Errorf("%s: top is not red: turned the wrong way", name)
		}
	}
	if bytes.Contains(p.Data, []byte("Exif")) {
		t.Error("published photo holds EXIF")
	}
}

// TestPreparePNGText: a public PNG loses its text chunks.
func TestPreparePNGText(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, photostest.Image(10, 10)); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	text := photostest.PNGChunk("tEXt", []byte("Author\x00王某某 13800000000"))
	data := append(append(append([]byte{}, raw[:33]...), text...), raw[33:]...) // after IHDR
	out, err := photos.Prepare("photos", []*graphql.Upload{upload("a.png", data)}, true)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out[0].Data, []byte("tEXt")) || out[0].ContentType != photos.PNG {
		t.Errorf("public PNG keeps its text chunk (%s)", out[0].ContentType)
	}
	if _, err := png.Decode(bytes.NewReader(out[0].Data)); err != nil {
		t.Errorf("stripped PNG does not decode: %v", err)
	}
}

// TestPrepareRefuses: what is not a photo, too large, or too many is refused naming the
// upload, and nothing is prepared.
func TestPrepareRefuses(t *testing.T) {
	good := photostest.JPEG(t, photostest.Image(8, 8), 1)
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bytes.Repeat([]byte{0}, 200)...)
	// A valid PNG header claiming 100000 × 100000 pixels: refused before decoding.
	ihdr := binary.BigEndian.AppendUint32(nil, 100000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 100000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	bomb := append([]byte("\x89PNG\r\n\x1a\n"), photostest.PNGChunk("IHDR", ihdr)...)
	big := append(append([]byte{}, good...), make([]byte, photos.MaxBytes)...)
	many := make([]*graphql.Upload, photos.MaxCount+1)
	for i := range many {
		many[i] = upload("a.jpg", good)
	}
	for _, c := range []struct {
		name    string
		uploads []*graphql.Upload
		field   string
		says    string
	}{
		{"a zip renamed .jpg", []*graphql.Upload{upload("a.jpg", good), upload("photo.jpg", zip)}, "photos[1]", "application/zip"},
		{"text", []*graphql.Upload{upload("a.png", []byte("hello"))}, "photos[0]", "not a JPEG, PNG or WebP"},
		{"a truncated JPEG", []*graphql.Upload{upload("a.jpg", good[:len(good)/2])}, "photos[0]", "damaged"},
		{"a decompression bomb", []*graphql.Upload{upload("bomb.png", bomb)}, "photos[0]", "million pixels"},
		{"over 10 MB", []*graphql.Upload{upload("big.jpg", big)}, "photos[0]", "10 MB"},
		{"ten photos", many, "photos", "at most 9"},
	} {
		out, err := photos.Prepare("photos", c.uploads, true)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.BadInput || e.Field != c.field || !strings.Contains(e.Message, c.says) || out != nil {
			t.Errorf("%s: %v (%+v), want BAD_USER_INPUT on %s saying %q", c.name, err, e, c.field, c.says)
		}
	}
}
