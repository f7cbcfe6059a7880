package calendar

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gridgov/ent"
	"gridgov/internal/workcal"
)

// ErrBadFile reports a calendar file that is neither the CSV nor the JSON form ParseFile reads.
var ErrBadFile = errors.New("bad calendar file")

// ParseFile reads a calendar file: a JSON array of {"date", "working", "name"} objects, or CSV
// with the columns date,working,name (an optional header row; working is true/false, 1/0 or
// 是/否). Each year that appears in the file is one Year, declared covered: a file holds whole
// official schedules.
func ParseFile(data []byte) ([]Year, error) {
	var days []workcal.Day
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		var rows []struct {
			Date    string `json:"date"`
			Working bool   `json:"working"`
			Name    string `json:"name"`
		}
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rows); err != nil {
			return nil, fmt.Errorf("%w: JSON: %v", ErrBadFile, err)
		}
		for _, r := range rows {
			days = append(days, workcal.Day{Date: r.Date, Working: r.Working, Name: r.Name})
		}
	} else {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		r.Comment = '#'
		for line := 1; ; line++ {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%w: CSV: %v", ErrBadFile, err)
			}
			if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "date") {
				continue
			}
			if len(rec) < 2 || len(rec) > 3 {
				return nil, fmt.Errorf("%w: CSV record %d: want date,working,name", ErrBadFile, line)
			}
			w, err := parseWorking(rec[1])
			if err != nil {
				return nil, fmt.Errorf("%w: CSV record %d: %v", ErrBadFile, line, err)
			}
			d := workcal.Day{Date: strings.TrimSpace(rec[0]), Working: w}
			if len(rec) == 3 {
				d.Name = strings.TrimSpace(rec[2])
			}
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return nil, fmt.Errorf("%w: no days", ErrBadFile)
	}
	byYear := map[int][]workcal.Day{}
	for i, d := range days {
		y, err := strconv.Atoi(d.Date[:min(4, len(d.Date))])
		if err != nil {
			return nil, fmt.Errorf("%w: day %d: date %q is not YYYY-MM-DD", ErrBadFile, i+1, d.Date)
		}
		byYear[y] = append(byYear[y], d)
	}
	var out []Year
	for y, ds := range byYear {
		out = append(out, Year{Year: y, Days: ds, Covered: true})
	}
	slices.SortFunc(out, func(a, b Year) int { return a.Year - b.Year })
	return out, nil
}

func parseWorking(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "是", "yes":
		return true, nil
	case "false", "0", "否", "no":
		return false, nil
	}
	return false, fmt.Errorf("working %q is not true or false", s)
}

// Import parses a calendar file and replaces the schedules of the years it holds, all or
// nothing, as the viewer of ctx (the command line passes an administrator's context). It
// returns the years and how many open cases' deadlines moved (see SetYears).
func Import(ctx context.Context, client *ent.Client, data []byte) (years []Year, moved int, err error) {
	if years, err = ParseFile(data); err != nil {
		return nil, 0, err
	}
	if moved, err = SetYears(ctx, client, years); err != nil {
		return nil, 0, err
	}
	return years, moved, nil
}
