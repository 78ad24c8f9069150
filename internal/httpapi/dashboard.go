package httpapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"renewmap/internal/programme"
	"renewmap/internal/renew"
)

// progressBody is GET /api/v1/progress: the programme's totals and targets at the as-of date.
type progressBody struct {
	programme.Progress
	AsOfSource string                  `json:"as_of_source"` // query, setting or today
	Today      renew.Date              `json:"today"`
	Settings   renew.ProgrammeSettings `json:"settings"`
	Sources    []sourceName            `json:"funding_sources"` // in their order, for charts
	MaySetAsOf bool                    `json:"may_set_as_of"`
}

type sourceName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// fundingOrder is the order of the funding sources (funding_source_labels.sort).
var fundingOrder = []string{"central", "provincial", "district", "residents", "property_units", "utilities", "social_capital"}

// progress answers GET /api/v1/progress?as_of=YYYY-MM-DD&batch_year=2021.
func (p *programmeAPI) progress(c echo.Context) error {
	ctx := c.Request().Context()
	year, err := intParam(c, "batch_year", 0, 2000, 2100)
	if err != nil {
		return err
	}
	pc, err := p.context(ctx)
	if err != nil {
		return err
	}
	asOf, source, err := pc.asOf(c)
	if err != nil {
		return err
	}
	plans, err := p.store.Plans(ctx, programme.PlanFilter{})
	if err != nil {
		return err
	}
	targets, err := p.store.Targets(ctx)
	if err != nil {
		return err
	}
	var by *int
	if year != 0 {
		by = &year
	}
	body := progressBody{Progress: programme.Summarize(plans, targets, asOf, by, pc.cat), AsOfSource: source,
		Today: pc.rules.Today, Settings: pc.settings, MaySetAsOf: setsAsOf(roleOf(c))}
	for _, code := range fundingOrder {
		if name, ok := pc.cat.Sources[code]; ok {
			body.Sources = append(body.Sources, sourceName{code, name})
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, body)
}

// csvUnsafe are the first characters a spreadsheet takes for a formula.
const csvUnsafe = "=+-@\t\r"

// cell makes text safe for a spreadsheet: a leading formula character is quoted away.
func cell(s string) string {
	if s != "" && strings.ContainsRune(csvUnsafe, rune(s[0])) {
		return "'" + s
	}
	return s
}

// planTable is the plan table of GET /api/v1/plans.csv and .xlsx: its header and one row per
// plan; text escapes the cells of free text (names and codes).
func (p *programmeAPI) planTable(c echo.Context, text func(string) string) (head []string, rows [][]string, asOf renew.Date, err error) {
	sel, err := p.selectPlans(c)
	if err != nil {
		return nil, nil, asOf, err
	}
	plans, pc, asOf := sel.plans, sel.pc, sel.asOf
	var sources []sourceName
	for _, code := range fundingOrder {
		if name, ok := pc.cat.Sources[code]; ok {
			sources = append(sources, sourceName{code, name})
		}
	}
	head = []string{"方案编号", "小区", "小区编码", "街道", "改造阶段", "批次", "批次年份", "楼栋数", "户数", "建筑面积（m²）",
		"改造内容（项）", "已完成（项）", "预算（元）"}
	for _, s := range sources {
		head = append(head, s.Name+"（元）")
	}
	head = append(head, "资金合计（元）", "资金缺口（元）", "居民同意率", "改造后管理", "计划开工", "计划竣工", "实际开工", "实际竣工")
	for _, g := range renew.Goals {
		head = append(head, g.Name())
	}
	head = append(head, "达标目标数", "逾期（截至"+asOf.String()+"）")

	date := func(d *renew.Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	goalLabel := pc.labels["goal_state"]
	for i := range plans {
		pl := &plans[i]
		sm := summarize(pl, asOf)
		year := ""
		if pl.BatchYear != nil {
			year = strconv.Itoa(*pl.BatchYear)
		}
		consent := ""
		if pl.ConsentRate != nil {
			consent = strconv.FormatFloat(*pl.ConsentRate*100, 'f', 1, 64) + "%"
		}
		mgmt := ""
		if pl.ManagementAfter != nil {
			mgmt = labelOf(pc.labels, "management", *pl.ManagementAfter)
		}
		row := []string{text(pl.Code), text(pl.Community.Name), text(pl.Community.Code), text(pl.Community.SubdistrictName),
			pl.Stage.Name(), labelOf(pc.labels, "batch", pl.Batch), year, strconv.Itoa(pl.Community.Buildings),
			strconv.Itoa(pl.Community.Households), strconv.FormatFloat(pl.Community.FloorArea, 'f', -1, 64),
			strconv.Itoa(sm.Items), strconv.Itoa(sm.ItemsDone), sm.Cost.String()}
		for _, s := range sources {
			row = append(row, sm.Funding[s.Code].String())
		}
		row = append(row, sm.Funded.String(), (sm.Cost - sm.Funded).String(), consent, mgmt,
			date(pl.PlannedStart), date(pl.PlannedEnd), date(pl.ActualStart), date(pl.ActualEnd))
		for _, g := range sm.Goals {
			name := goalLabel[string(g.State)]
			if name == "" {
				name = string(g.State)
			}
			row = append(row, name)
		}
		late := ""
		if sm.Overdue != nil {
			late = fmt.Sprintf("%s %d天", sm.Overdue.Reason, sm.Overdue.DaysLate)
		}
		row = append(row, strconv.Itoa(sm.GoalsMet), late)
		rows = append(rows, row)
	}
	return head, rows, asOf, nil
}

// auditDownload records a download of the plan table in format.
func (p *programmeAPI) auditDownload(c echo.Context, format string, rows int) error {
	a := auditBy(c)
	a.Action, a.Table = "download", "plans"
	a.After = map[string]any{"format": format, "rows": rows, "query": c.QueryString()}
	if p.s.deps.Accounts != nil {
		return p.s.deps.Accounts.Audit(c.Request().Context(), a)
	}
	return nil
}

// csv answers GET /api/v1/plans.csv: one row per plan, UTF-8 with a BOM and Chinese headers so
// Excel opens it as it is; the download is audited.
func (p *programmeAPI) csv(c echo.Context) error {
	head, rows, asOf, err := p.planTable(c, cell)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.Write(head)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		return err
	}
	if err := p.auditDownload(c, "csv", len(rows)); err != nil {
		return err
	}
	name := "改造方案_" + asOf.String() + ".csv"
	c.Response().Header().Set("Content-Disposition",
		fmt.Sprintf(`attachment; filename="plans-%s.csv"; filename*=UTF-8''%s`, asOf, url.PathEscape(name)))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// xlsx answers GET /api/v1/plans.xlsx: the table of plans.csv as an Excel workbook, audited.
func (p *programmeAPI) xlsx(c echo.Context) error {
	head, rows, asOf, err := p.planTable(c, func(s string) string { return s })
	if err != nil {
		return err
	}
	data, err := xlsxBook("改造方案", head, rows)
	if err != nil {
		return err
	}
	if err := p.auditDownload(c, "xlsx", len(rows)); err != nil {
		return err
	}
	return sendXLSX(c, "改造方案_"+asOf.String(), "plans-"+asOf.String(), data)
}

func labelOf(labels map[string]map[string]string, enum, code string) string {
	if v := labels[enum][code]; v != "" {
		return v
	}
	return code
}
