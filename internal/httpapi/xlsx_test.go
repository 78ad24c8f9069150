package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"renewmap/internal/renew"
)

// xlsxRows checks rec is an xlsx download and returns the rows of its sheet.
func xlsxRows(t *testing.T, rec *httptest.ResponseRecorder, sheet string) [][]string {
	t.Helper()
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("xlsx: %d %v %.200s", rec.Code, rec.Header(), rec.Body.String())
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %q: %v", sheet, err)
	}
	return rows
}

// A table a page shows becomes a workbook: header bold and frozen, numbers stored as numbers
// (percentages as fractions), text never a formula; bad tables are refused in Chinese.
func TestTableXLSX(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	body := `{"name":"停车缺口","head":["小区","户数","缺口","满足率"],"rows":[["机械厂家属楼","1,234","-12","85%"],["=HYPERLINK(\"x\")","007","",""]]}`
	rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/table.xlsx", body)
	rows := xlsxRows(t, rec, "停车缺口")
	if len(rows) != 3 || rows[0][0] != "小区" || rows[1][0] != "机械厂家属楼" || rows[2][1] != "007" {
		t.Fatalf("rows %q", rows)
	}
	wb, _ := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	defer wb.Close()
	for cell, want := range map[string]excelize.CellType{"B2": excelize.CellTypeNumber, "C2": excelize.CellTypeNumber,
		"D2": excelize.CellTypeNumber, "A3": excelize.CellTypeSharedString, "B3": excelize.CellTypeSharedString} {
		if got, _ := wb.GetCellType("停车缺口", cell); got != want && !(want == excelize.CellTypeNumber && got == excelize.CellTypeUnset) {
			t.Errorf("%s is of type %v, want %v", cell, got, want)
		}
	}
	if v, _ := wb.GetCellValue("停车缺口", "B2", excelize.Options{RawCellValue: true}); v != "1234" {
		t.Errorf("B2 = %q, want the number 1234", v)
	}
	if v, _ := wb.GetCellValue("停车缺口", "D2", excelize.Options{RawCellValue: true}); v != "0.85" {
		t.Errorf("D2 = %q, want 0.85", v)
	}
	if formula, _ := wb.GetCellFormula("停车缺口", "A3"); formula != "" {
		t.Errorf("A3 became the formula %q", formula)
	}
	for _, bad := range []string{`{"name":"","head":["a"],"rows":[]}`, `{"name":"表","head":[],"rows":[]}`,
		`{"name":"表","head":["a"],"rows":[["` + strings.Repeat("长", 2001) + `"]]}`, `not json`} {
		rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/table.xlsx", bad)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":"invalid"`) {
			t.Errorf("%.40s: %d %s", bad, rec.Code, rec.Body.String())
		}
	}
}
