// Package photostest makes photos for tests: pictures that show how they are turned, and
// JPEGs carrying the EXIF a phone writes, GPS position included.
package photostest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// Image is a w × h picture with a red left half and a blue right half, so that turning it shows.
func Image(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// exifWithGPS is an APP1 EXIF segment with an orientation and a GPS position (latitude
// reference "N"), as a phone writes one.
func exifWithGPS(orientation uint16) []byte {
	var t bytes.Buffer
	le := binary.LittleEndian
	t.WriteString("II*\x00")
	_ = binary.Write(&t, le, uint32(8)) // IFD0 at 8
	_ = binary.Write(&t, le, uint16(2)) // two entries
	_ = binary.Write(&t, le, [6]uint16{0x0112, 3, 1, 0, orientation, 0})
	gpsIFD := uint32(8 + 2 + 2*12 + 4)
	_ = binary.Write(&t, le, [2]uint16{0x8825, 4})
	_ = binary.Write(&t, le, [2]uint32{1, gpsIFD})
	_ = binary.Write(&t, le, uint32(0)) // no next IFD
	_ = binary.Write(&t, le, uint16(1)) // GPS IFD: GPSLatitudeRef "N"
	_ = binary.Write(&t, le, [2]uint16{0x0001, 2})
	_ = binary.Write(&t, le, uint32(2))
	t.WriteString("N\x00\x00\x00")
	_ = binary.Write(&t, le, uint32(0))
	body := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

// JPEG encodes img as a JPEG carrying an EXIF block with orientation and a GPS position.
func JPEG(t testing.TB, img image.Image, orientation uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	return append(append(append([]byte{}, data[:2]...), exifWithGPS(orientation)...), data[2:]...)
}

// PNGChunk is a PNG chunk of type typ holding data, with its CRC.
func PNGChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(append(out, typ...), data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}
