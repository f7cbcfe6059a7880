package excel

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"gridgov/internal/labels"
	"gridgov/internal/workcal"
)

// How a table sheet looks to the people who fill it in: Chinese headings on row 1 (required
// ones marked), the keys the import reads on row 2, hidden, both frozen, an autofilter,
// columns as wide as their content, real date cells and drop-downs for every closed set of
// values. The hidden sheet listsSheet holds the drop-downs too long to write inline.

// listsSheet is the hidden sheet of drop-down values; imports skip it.
const listsSheet = "_lists"

// Column formats beyond text and numbers.
const (
	fmtTime = "time" // a local date and time, to the second
	fmtDate = "date" // a calendar date
	fmtInt  = "int"  // a whole number
	fmtNum  = "num"  // a number
)

// colKind says how a table column is written, offered and explained.
type colKind struct {
	enum    string   // a labels enum: a drop-down of its zh-CN labels
	options []string // a drop-down of these values (是/否, a ledger enum's options)
	grids   bool     // a drop-down of the grid codes on the hidden list sheet
	format  string   // fmtTime, fmtDate, or "" for text and numbers
	note    string   // what the column means, for the 说明 sheet
}

// yesNoKind is a 是/否 column.
var yesNoKind = colKind{options: []string{"是", "否"}}

// table is one data sheet: its columns and how each is written.
type table struct {
	name  string
	intro string // what one row is, for the 说明 sheet
	cols  []column
	kinds map[string]colKind // by column key; a column without one is text
}

func (t table) kind(i int) colKind { return t.kinds[t.cols[i].key] }

// choices is the drop-down of k: nil when it has none.
func (k colKind) choices() []string {
	if k.enum != "" {
		ls, _ := labels.Of(k.enum)
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = l.Label
		}
		return out
	}
	return k.options
}

// Widths, in Excel's units of one Latin character.
const (
	minWidth = 6
	maxWidth = 60
)

// textWidth is how wide s shows: its longest line, wide (CJK, full-width) characters counting double.
func textWidth(s string) int {
	widest, w := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			w = 0
		case r >= 0x1100 && (r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 || r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x20000):
			w += 2
		default:
			w++
		}
		widest = max(widest, w)
	}
	return widest
}

// valueWidth is how wide v shows in a column of kind k.
func valueWidth(v any, k colKind) int {
	switch v := v.(type) {
	case nil:
		return 0
	case string:
		if len(v) == utf8.RuneCountInString(v) && !strings.Contains(v, "\n") {
			return len(v) // ASCII: the common case, counted without decoding
		}
		return textWidth(v)
	case time.Time:
		if k.format == fmtDate {
			return len(time.DateOnly)
		}
		return len(timeLayout)
	case int:
		return len(strconv.Itoa(v))
	case float64:
		return len(strconv.FormatFloat(v, 'f', -1, 64))
	default:
		return textWidth(fmt.Sprint(v))
	}
}

// styles are the cell styles of table sheets, made once per book.
type styles struct {
	header, required, time, date, note int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	border := []excelize.Border{{Type: "bottom", Color: "9BC2E6", Style: 1}}
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return s, err
	}
	// Required columns stand out in colour as well as by their "*".
	if s.required, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "9C0006"}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4D6"}}}); err != nil {
		return s, err
	}
	timeFmt, dateFmt := "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"
	if s.time, err = f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt}); err != nil {
		return s, err
	}
	if s.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return s, err
	}
	s.note, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return s, err
}

// list keeps values on the hidden list sheet and returns the absolute reference of their
// cells; the same values share one column.
func (b *book) list(title string, values []string) string {
	key := strings.Join(values, "\x00")
	if ref, ok := b.listRef[key]; ok {
		return ref
	}
	col := colName(len(b.lists))
	b.lists = append(b.lists, append([]string{title}, values...))
	ref := fmt.Sprintf("'%s'!$%s$2:$%s$%d", listsSheet, col, col, len(values)+1)
	if b.listRef == nil {
		b.listRef = map[string]string{}
	}
	b.listRef[key] = ref
	return ref
}

// setGridCodes gives grid-code columns their drop-down; call it before adding sheets.
func (b *book) setGridCodes(codes []string) { b.gridCodes = codes }

// validations adds the drop-downs of t's columns to its sheet, before the streaming writer
// copies the sheet's settings.
func (b *book) validations(t table) error {
	for i := range t.cols {
		k := t.kind(i)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s3:%s%d", colName(i), colName(i), excelize.TotalRows)
		switch choices := k.choices(); {
		case k.grids:
			if len(b.gridCodes) == 0 {
				continue
			}
			dv.SetSqrefDropList(b.list("网格编码", b.gridCodes))
			// A grid added on the same file is not on the list yet: warn, do not refuse.
			dv.SetError(excelize.DataValidationErrorStyleWarning, "网格编码", "不在系统已有的网格编码中：如为本表新增的网格，可继续。")
		case len(choices) > 0:
			inline := true
			for _, c := range choices {
				inline = inline && !strings.ContainsAny(c, `,"`)
			}
			if !inline || dv.SetDropList(choices) != nil {
				dv.SetSqrefDropList(b.list(t.cols[i].label, choices))
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, strings.TrimSuffix(t.cols[i].label, "*"), "请从下拉列表中选择。")
		default:
			continue
		}
		if err := b.f.AddDataValidation(t.name, dv); err != nil {
			return fmt.Errorf("sheet %s column %s: %w", t.name, t.cols[i].key, err)
		}
	}
	return nil
}

// table adds a data sheet: headings, the hidden key row, then the rows each emits. each is
// called twice, once to fit the columns and count the rows, once to write them.
func (b *book) table(t table, each func(emit func(row []any) error) error) error {
	widths := make([]int, len(t.cols))
	for i, c := range t.cols {
		widths[i] = textWidth(c.label) + 2 // and the filter's button
	}
	n := 0
	if each != nil {
		if err := each(func(row []any) error {
			n++
			for i, v := range row[:min(len(row), len(widths))] {
				if w := valueWidth(v, t.kind(i)); w > widths[i] {
					widths[i] = w
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if err := b.newSheet(t.name); err != nil {
		return err
	}
	// The streaming writer writes the worksheet's filter and validations on Flush: they go in
	// through the File API first.
	last := colName(len(t.cols) - 1)
	if err := b.f.AutoFilter(t.name, fmt.Sprintf("A1:%s%d", last, n+2), nil); err != nil {
		return err
	}
	if err := b.validations(t); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(t.name)
	if err != nil {
		return err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w+2, minWidth), maxWidth))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head, keys := make([]any, len(t.cols)), make([]any, len(t.cols))
	for i, c := range t.cols {
		style := b.style.header
		if strings.HasSuffix(c.label, "*") {
			style = b.style.required
		}
		head[i], keys[i] = excelize.Cell{StyleID: style, Value: c.label}, c.key
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	if err := sw.SetRow("A2", keys, excelize.RowOpts{StyleID: b.style.header, Hidden: true}); err != nil {
		return err
	}
	if each != nil {
		loc := workcal.Default().Location()
		row := 3
		if err := each(func(values []any) error {
			for i, v := range values {
				if i >= len(t.cols) {
					break
				}
				values[i] = b.typed(v, t.kind(i), loc)
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			row++
			return sw.SetRow(cell, values)
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// typed turns times and dates into date cells: a time shows as local wall-clock time, a
// date (a time.Time, or text 2026-01-05 in a date column) as that calendar day.
func (b *book) typed(v any, k colKind, loc *time.Location) any {
	switch v := v.(type) {
	case time.Time:
		if k.format == fmtDate {
			return excelize.Cell{StyleID: b.style.date, Value: time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)}
		}
		return excelize.Cell{StyleID: b.style.time, Value: v.In(loc)}
	case string:
		if k.format == fmtDate {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return excelize.Cell{StyleID: b.style.date, Value: d}
			}
		}
	}
	return v
}

// instructions adds the 说明 sheet: the lines given, then every column of every table with
// whether it is required, its format or choices and what it means.
func (b *book) instructions(title string, lines []string, tables ...table) error {
	if err := b.newSheet(instructionsSheet); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(instructionsSheet)
	if err != nil {
		return err
	}
	for i, w := range []float64{14, 8, 22, 16, 6, 40, 50} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	row := 0
	put := func(values []any, opts ...excelize.RowOpts) error {
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, values, opts...)
	}
	if err := put([]any{title}, excelize.RowOpts{StyleID: b.style.header}); err != nil {
		return err
	}
	general := append(append([]string(nil), lines...),
		"各数据表第1行为中文列名；第2行为导入程序读取的字段键，已隐藏，请勿删除、修改或移动该行（取消隐藏后请原样保留）；自第3行起每行一条记录。",
		"列名带 * 且标为红色的列必填。日期时间写作 2026-01-05 08:00:00（北京时间），日期写作 2026-01-05；也可直接使用表格软件的日期格式。",
		"带下拉箭头的列请从下拉列表中选择；网格编码的下拉列表来自隐藏工作表 "+listsSheet+"，请勿删除该表。",
		"可以筛选、排序：第2行隐藏的字段键被排到别处或被删除时，导入按第1行的列标题识别各列，并跳过字段键行；请勿修改第1行的列标题。",
		"请勿使用公式或合并单元格。导入为全部成功或全部不导入：有任何错误时会列出每处错误的表、行、列和原因。")
	for _, l := range general {
		if err := put([]any{l}); err != nil {
			return err
		}
	}
	for _, t := range tables {
		if err := put(nil); err != nil {
			return err
		}
		if err := put([]any{"工作表：" + t.name, t.intro}, excelize.RowOpts{StyleID: b.style.header}); err != nil {
			return err
		}
		if err := put([]any{"工作表", "列", "列名", "字段键(第2行)", "必填", "格式与取值", "说明"}, excelize.RowOpts{StyleID: b.style.header}); err != nil {
			return err
		}
		for i, c := range t.cols {
			k := t.kind(i)
			required := ""
			if strings.HasSuffix(c.label, "*") {
				required = "是"
			}
			if err := put([]any{t.name, colName(i), c.label, c.key, required, k.describe(), excelize.Cell{StyleID: b.style.note, Value: k.note}}); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// describe says in Chinese how a column of kind k is filled in.
func (k colKind) describe() string {
	switch {
	case k.grids:
		return "网格编码，可从下拉列表选择系统已有的网格"
	case len(k.choices()) > 0:
		return "从下拉列表选择：" + strings.Join(k.choices(), "、")
	case k.format == fmtTime:
		return "日期时间，如 2026-01-05 08:00:00"
	case k.format == fmtDate:
		return "日期，如 2026-01-05"
	case k.format == fmtInt:
		return "整数"
	case k.format == fmtNum:
		return "数值"
	}
	return "文本"
}
