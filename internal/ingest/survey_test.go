package ingest_test

import (
	"errors"
	"strings"
	"testing"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

const (
	surveyPoints = "\ufeff点号,X,Y,地面高程,埋深,特征\nJ1,609786.20,4781935.10,178.60,2.35,检查井\nJ2,609816.20,4781935.10,178.40,2.45,检查井\nJ3,609846.2,4781940,178.1,1.2,\n"
	surveyLines  = "编码,起点,终点,类型,材质,管径,敷设年份,状况,权属单位\nWS-1,J1,J2,污水,混凝土,400,1988,较差,四平市排水公司\nWS-2,J2,J3,drainage_sewage,concrete,,1988,poor,四平市排水公司\n"
)

func TestParseSurvey(t *testing.T) {
	t.Parallel()
	pipes, err := ingest.ParseSurvey([]byte(surveyPoints), []byte(surveyLines))
	if err != nil {
		t.Fatal(err)
	}
	if len(pipes) != 2 || pipes[0].Code != "WS-1" || pipes[0].Kind != "污水" || pipes[0].DiameterMM != 400 || pipes[1].DiameterMM != 0 {
		t.Fatalf("pipes %+v", pipes)
	}
	// The elevation of each end is the ground less the depth.
	if e := pipes[0].Ends; e[0] != [3]float64{609786.2, 4781935.1, 176.25} || e[1][2] != 175.95 {
		t.Errorf("WS-1 ends %v", e)
	}
	for _, c := range []struct{ points, lines, want string }{
		{surveyPoints, strings.Replace(surveyLines, "J2,J3", "J2,J9", 1), `管线 第 3 行：点号 "J9" 不在管点表中`},
		{strings.Replace(surveyPoints, "2.45", "35", 1), surveyLines, "管点 第 3 行：埋深 35 米不在 0–30 之间"},
		{strings.Replace(surveyPoints, "178.60", "高", 1), surveyLines, `管点 第 2 行：地面高程 "高" 不是数字`},
		{strings.Replace(surveyPoints, "埋深", "深度", 1), surveyLines, "管点表：缺少列 埋深（depth）"},
		{surveyPoints, strings.Replace(surveyLines, "WS-2", "WS-1", 1), `管线 第 3 行：编码 "WS-1" 重复`},
		{surveyPoints, strings.Replace(surveyLines, "J2,J3", "J2,J2", 1), `起点与终点相同`},
		{surveyPoints, "编码,起点,终点,类型,材质,管径,敷设年份,状况,权属单位\n", "管线表没有数据"},
	} {
		_, err := ingest.ParseSurvey([]byte(c.points), []byte(c.lines))
		if !errors.Is(err, renew.ErrInvalid) || !strings.Contains(renew.UserMessage(err), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

// FuzzParseSurvey: any two tables give segments whose ends all carry finite numbers, or an
// ErrInvalid with a message; never a panic.
func FuzzParseSurvey(f *testing.F) {
	f.Add([]byte(surveyPoints), []byte(surveyLines))
	f.Add([]byte("点号,X,Y,地面高程,埋深\n\"J1,1"), []byte("id,from\n"))
	f.Add([]byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, points, lines []byte) {
		pipes, err := ingest.ParseSurvey(points, lines)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) || renew.UserMessage(err) == "" {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, p := range pipes {
			if p.Code == "" {
				t.Fatalf("pipe without a code: %+v", p)
			}
		}
	})
}
