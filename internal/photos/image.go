package photos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"gridgov/internal/apperr"
)

// Limits of an upload.
const (
	// MaxBytes bounds one photo.
	MaxBytes = 10 << 20
	// MaxCount bounds the photos of one request, and of one case or inspection per stage.
	MaxCount = 9
	// MaxPixels bounds a photo's width × height, checked before it is decoded: a small file
	// can claim a huge image (a decompression bomb).
	MaxPixels = 60_000_000
	// ThumbSide is the longer side of a thumbnail, in pixels.
	ThumbSide = 320
	// MaxRequestBytes bounds a multipart request: the photos and the operation.
	MaxRequestBytes = MaxCount*MaxBytes + 1<<20
)

// Content types of the photos accepted.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
)

// Image is an upload checked and made ready to store.
type Image struct {
	ContentType   string
	Data          []byte // the bytes stored: the upload's, without metadata when public
	Thumb         []byte // a JPEG at most ThumbSide on its longer side
	Width, Height int    // as displayed (EXIF orientation applied)
	SHA256        string // hex, of Data
}

// Prepare checks the uploads of the input field (at most MaxCount; each a JPEG, PNG or WebP
// by its content, at most MaxBytes and MaxPixels, and decodable) and prepares them: a
// thumbnail each, and for public photos the metadata removed (EXIF with its GPS position,
// XMP, comments). It stores nothing. An error names the upload, as field[i].
func Prepare(field string, uploads []*graphql.Upload, public bool) ([]*Image, error) {
	if len(uploads) > MaxCount {
		return nil, apperr.Invalid(field, "%s: at most %d photos at once, not %d", field, MaxCount, len(uploads))
	}
	out := make([]*Image, 0, len(uploads))
	for i, u := range uploads {
		f := fmt.Sprintf("%s[%d]", field, i)
		if u == nil || u.File == nil {
			return nil, apperr.Invalid(f, "%s: no file", f)
		}
		if u.Size > MaxBytes {
			return nil, apperr.Invalid(f, "%s (%s): %d bytes, more than the %d MB a photo may have", f, clip(u.Filename), u.Size, MaxBytes>>20)
		}
		data, err := io.ReadAll(io.LimitReader(u.File, MaxBytes+1))
		if err != nil {
			return nil, apperr.Invalid(f, "%s: the upload could not be read", f)
		}
		if len(data) > MaxBytes {
			return nil, apperr.Invalid(f, "%s (%s): more than the %d MB a photo may have", f, clip(u.Filename), MaxBytes>>20)
		}
		img, err := prepare(data, public)
		if err != nil {
			return nil, apperr.Invalid(f, "%s (%s): %v", f, clip(u.Filename), err)
		}
		out = append(out, img)
	}
	return out, nil
}

// prepare checks and prepares one photo's bytes.
func prepare(data []byte, public bool) (*Image, error) {
	ct := sniff(data)
	var config func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch ct {
	case JPEG:
		config, decode = jpeg.DecodeConfig, jpeg.Decode
	case PNG:
		config, decode = png.DecodeConfig, png.Decode
	case WebP:
		config, decode = webp.DecodeConfig, webp.Decode
	default:
		return nil, fmt.Errorf("not a JPEG, PNG or WebP image (its content is %s); send a photo in one of those formats", http.DetectContentType(data))
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("a damaged %s image: %v", ct, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%d × %d pixels: at most %d million pixels", cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	decoded, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("a damaged %s image: %v", ct, err)
	}
	orientation := 1
	if ct == JPEG {
		orientation = jpegOrientation(data)
	}
	img := &Image{ContentType: ct, Data: data, Width: cfg.Width, Height: cfg.Height}
	if orientation >= 5 { // rotated by 90° one way or the other
		img.Width, img.Height = cfg.Height, cfg.Width
	}
	if img.Thumb, err = thumbnail(decoded, orientation); err != nil {
		return nil, err
	}
	if public {
		if img.Data, err = stripMetadata(ct, data, decoded, orientation); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256(img.Data)
	img.SHA256 = hex.EncodeToString(sum[:])
	return img, nil
}

// sniff names the photo format of data by its signature, or returns "".
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP
	}
	return ""
}

// thumbnail scales img, turned upright, to fit ThumbSide, as a JPEG.
func thumbnail(img image.Image, orientation int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	scale := float64(ThumbSide) / float64(max(w, h))
	if scale > 1 {
		scale = 1
	}
	tw, th := max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5))
	small := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.CatmullRom.Scale(small, small.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, upright(small, orientation), &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
