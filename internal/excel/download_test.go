package excel_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gridgov/internal/excel"
)

func TestSigner(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := excel.NewSigner([]byte("a test key"))
	ticket := excel.Ticket{UserID: 7, Kind: excel.KindLedgers, GridID: 42, Expires: now.Add(excel.DownloadTTL)}
	token := s.Sign(ticket)
	got, err := s.Verify(token, now)
	if err != nil || got.UserID != 7 || got.Kind != excel.KindLedgers || got.GridID != 42 || !got.Expires.Equal(ticket.Expires) {
		t.Errorf("Verify = %+v, %v", got, err)
	}
	if _, err := s.Verify(token, now.Add(excel.DownloadTTL)); !errors.Is(err, excel.ErrExpiredLink) {
		t.Errorf("expired link: %v", err)
	}
	other := excel.Ticket{UserID: 8, Kind: excel.KindLedgers, GridID: 42, Expires: ticket.Expires}
	payload, _, _ := strings.Cut(s.Sign(other), ".")
	_, mac, _ := strings.Cut(token, ".")
	for name, bad := range map[string]string{
		"another user's payload with this mac": payload + "." + mac,
		"another key":                          excel.NewSigner(nil).Sign(ticket),
		"garbage":                              "x",
	} {
		if _, err := s.Verify(bad, now); !errors.Is(err, excel.ErrBadLink) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
