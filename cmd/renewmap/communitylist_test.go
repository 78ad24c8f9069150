package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"renewmap/internal/planning"
)

// The community list is read from a CSV file or from an .xlsx workbook whose header spans two
// merged rows and which ends in a 合计 row, as offices keep it.
func TestReadCommunityList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := []planning.ListedCommunity{
		{Row: 4, Name: "幸福里", Address: "兴华路12号"},
		{Row: 5, Name: "建设小区", Address: "二马路与一马路交口", Year: 1988},
	}
	wb := excelize.NewFile()
	sheet := wb.GetSheetName(0)
	rows := [][]any{
		{"小区名称", "基本情况", nil},
		{nil, "地址", "建成年份"},
		{"幸福里", "兴华路12号", nil},
		{"建设小区", "二马路与一马路交口", "1988年"},
		{"合计", nil, nil},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := wb.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	wb.SetCellValue(sheet, "A1", "老旧小区名单")
	for _, m := range [][2]string{{"A2", "A3"}, {"B2", "C2"}} {
		if err := wb.MergeCell(sheet, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	xlsx := filepath.Join(dir, "名单.xlsx")
	if err := wb.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	got, err := readCommunityList(context.Background(), xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from .xlsx: %+v, want %+v", got, want)
	}
	csv := filepath.Join(dir, "名单.csv")
	os.WriteFile(csv, []byte("名称,地址,建成年份\n幸福里,兴华路12号,\n建设小区,二马路与一马路交口,1988\n"), 0o600)
	got, err = readCommunityList(context.Background(), csv)
	if err != nil || len(got) != 2 || got[1] != (planning.ListedCommunity{Row: 3, Name: "建设小区", Address: "二马路与一马路交口", Year: 1988}) {
		t.Errorf("from CSV: %+v, %v", got, err)
	}
}
