package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"renewmap/internal/renew"
)

// Limits of a table sent to POST /api/v1/table.xlsx (a table the user sees on a page).
const (
	maxTableRows = 20000
	maxTableCols = 60
	maxCellChars = 2000
)

// numberRE is a cell shown as a plain number (1,234.5 or -12 or 85%); codes with leading zeros
// stay text.
var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9,]*)(\.[0-9]+)?%?$`)

// xlsxBook writes one sheet: a bold, frozen header row, numbers as numbers (so Excel can sum
// them), everything else as text (never a formula).
func xlsxBook(sheet string, head []string, rows [][]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#E8F1FA"}, Pattern: 1}})
	if err != nil {
		return nil, err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10})
	if err != nil {
		return nil, err
	}
	widths := make([]int, len(head))
	put := func(col, row int, v string, header bool) error {
		cellName, err := excelize.CoordinatesToCellName(col+1, row+1)
		if err != nil {
			return err
		}
		if w := utf8.RuneCountInString(v); col < len(widths) && w > widths[col] {
			widths[col] = w
		}
		if !header && numberRE.MatchString(v) {
			plain := strings.ReplaceAll(strings.TrimSuffix(v, "%"), ",", "")
			if n, err := strconv.ParseFloat(plain, 64); err == nil {
				if strings.HasSuffix(v, "%") {
					if err := f.SetCellFloat(sheet, cellName, n/100, -1, 64); err != nil {
						return err
					}
					return f.SetCellStyle(sheet, cellName, cellName, pct)
				}
				return f.SetCellFloat(sheet, cellName, n, -1, 64)
			}
		}
		return f.SetCellStr(sheet, cellName, v)
	}
	for i, h := range head {
		if err := put(i, 0, h, true); err != nil {
			return nil, err
		}
	}
	for r, row := range rows {
		for i, v := range row {
			if err := put(i, r+1, v, false); err != nil {
				return nil, err
			}
		}
	}
	if len(head) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(head), 1)
		if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
			return nil, err
		}
		if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, float64(min(max(w*2+2, 8), 60))); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sendXLSX answers with the workbook as a download named name (.xlsx added).
func sendXLSX(c echo.Context, name, ascii string, data []byte) error {
	c.Response().Header().Set("Content-Disposition",
		fmt.Sprintf(`attachment; filename="%s.xlsx"; filename*=UTF-8''%s`, ascii, url.PathEscape(name+".xlsx")))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, xlsxType, data)
}

// tableRequest is a table as a page shows it: its name, header and rows of text.
type tableRequest struct {
	Name string     `json:"name"`
	Head []string   `json:"head"`
	Rows [][]string `json:"rows"`
}

// sheetNameRE keeps what Excel allows in a sheet name.
var sheetNameRE = regexp.MustCompile(`[\[\]:*?/\\\x00-\x1f]`)

// tableXLSX answers POST /api/v1/table.xlsx: the table a user sees on a page (parking gap, dig
// once, siting, survey results, the dashboard's tables), as an Excel workbook. It holds only what
// the page already showed, so every logged-in role may ask.
func (s *server) tableXLSX(c echo.Context) error {
	var req tableRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(sheetNameRE.ReplaceAllString(req.Name, ""))
	if name == "" || utf8.RuneCountInString(name) > 31 {
		return renew.Invalid("name: 1 to 31 characters for the sheet")
	}
	if len(req.Head) == 0 || len(req.Head) > maxTableCols || len(req.Rows) > maxTableRows {
		return renew.Invalid("a table holds 1 to %d columns and at most %d rows", maxTableCols, maxTableRows)
	}
	for _, row := range append([][]string{req.Head}, req.Rows...) {
		if len(row) > maxTableCols {
			return renew.Invalid("a table holds 1 to %d columns and at most %d rows", maxTableCols, maxTableRows)
		}
		for _, v := range row {
			if utf8.RuneCountInString(v) > maxCellChars || !utf8.ValidString(v) {
				return renew.Invalid("a cell holds at most %d characters of text", maxCellChars)
			}
		}
	}
	data, err := xlsxBook(name, req.Head, req.Rows)
	if err != nil {
		return err
	}
	return sendXLSX(c, name, "table", data)
}
