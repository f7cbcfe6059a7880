package photos

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"slices"
)

// Public photos lose their metadata: a phone's EXIF holds where the photo was taken (GPS),
// the device and often the owner's name, none of which a resident means to publish. The
// image data is kept as it is wherever the format allows; only a JPEG that must be turned
// upright (its EXIF orientation would go with the EXIF) is encoded again.

// stripMetadata returns data without its metadata.
func stripMetadata(ct string, data []byte, decoded image.Image, orientation int) ([]byte, error) {
	switch ct {
	case JPEG:
		if orientation != 1 {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, upright(decoded, orientation), &jpeg.Options{Quality: 92}); err != nil {
				return nil, fmt.Errorf("remove metadata: %w", err)
			}
			return buf.Bytes(), nil
		}
		return stripJPEG(data)
	case PNG:
		return stripPNG(data)
	case WebP:
		return stripWebP(data)
	}
	return nil, fmt.Errorf("remove metadata: unknown type %s", ct)
}

var errTruncated = errors.New("the image is truncated")

// stripJPEG drops the APP1 (EXIF, XMP), APP13 (IPTC) and COM segments before the image data;
// APP0 (JFIF), APP2 (the colour profile) and APP14 (Adobe colour transform) stay.
func stripJPEG(data []byte) ([]byte, error) {
	out := append(make([]byte, 0, len(data)), data[:2]...)
	for i := 2; ; {
		if i+4 > len(data) || data[i] != 0xFF {
			return nil, errTruncated
		}
		marker := data[i+1]
		if marker == 0xDA { // start of scan: the rest is image data
			return append(out, data[i:]...), nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		end := i + 2 + n
		if n < 2 || end > len(data) {
			return nil, errTruncated
		}
		if marker != 0xE1 && marker != 0xED && marker != 0xFE {
			out = append(out, data[i:end]...)
		}
		i = end
	}
}

// stripPNG drops the eXIf, tEXt, zTXt, iTXt and tIME chunks.
func stripPNG(data []byte) ([]byte, error) {
	out := append(make([]byte, 0, len(data)), data[:8]...)
	for i := 8; i < len(data); {
		if i+12 > len(data) {
			return nil, errTruncated
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		end := i + 12 + n
		if n < 0 || end > len(data) {
			return nil, errTruncated
		}
		if typ := string(data[i+4 : i+8]); !slices.Contains([]string{"eXIf", "tEXt", "zTXt", "iTXt", "tIME"}, typ) {
			out = append(out, data[i:end]...)
		}
		i = end
	}
	return out, nil
}

// stripWebP drops the EXIF and XMP chunks of an extended WebP and clears their flags.
func stripWebP(data []byte) ([]byte, error) {
	out := append(make([]byte, 0, len(data)), data[:12]...)
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			return nil, errTruncated
		}
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		end := i + 8 + n + n%2 // chunks are padded to an even size
		if n < 0 || end > len(data) {
			return nil, errTruncated
		}
		switch string(data[i : i+4]) {
		case "EXIF", "XMP ":
		case "VP8X":
			chunk := slices.Clone(data[i:end])
			chunk[8] &^= 0x08 | 0x04 // the EXIF and XMP flags
			out = append(out, chunk...)
		default:
			out = append(out, data[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// jpegOrientation reads the EXIF orientation (1–8) of a JPEG; 1 when it has none.
func jpegOrientation(data []byte) int {
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		marker, n := data[i+1], int(binary.BigEndian.Uint16(data[i+2:]))
		if marker == 0xDA || n < 2 || i+2+n > len(data) {
			break
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(seg[6:]); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of the first IFD of a TIFF block; 0 when absent.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	count := int(order.Uint16(t[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if order.Uint16(t[e:]) == 0x0112 {
			return int(order.Uint16(t[e+8:]))
		}
	}
	return 0
}

// upright turns img as its EXIF orientation says it must be shown.
func upright(img image.Image, orientation int) image.Image {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// Through RGBA, which draw converts to quickly from a JPEG's YCbCr, so that the pixels
	// move as 4-byte copies rather than through At and Set.
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:][:4], src.Pix[y*src.Stride+4*x:][:4])
		}
	}
	return dst
}
