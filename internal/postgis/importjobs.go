package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/foreign"
	"renewmap/internal/msgcat"
	"renewmap/internal/renew"
)

// UploadImport stores an upload as a new job (pruning expired ones) and proposes a mapping for its
// first layer. A file that is not importable is an ErrInvalid error and is not kept.
func (db *DB) UploadImport(ctx context.Context, a renew.AuditEntry, name string, data []byte) (*ingest.Upload, error) {
	if len(data) == 0 {
		return nil, renew.Invalid("上传的文件是空的 (the file is empty)")
	}
	if len(data) > ingest.MaxUploadBytes {
		return nil, renew.Invalid("文件超过 %d MB (the file is larger than %d MB); use renewmap import on the server", ingest.MaxUploadBytes>>20, ingest.MaxUploadBytes>>20)
	}
	name = safeName(name)
	up := &ingest.Upload{}
	err := withUpload(ctx, name, data, func(src *foreign.Source) error {
		up.Format = string(src.Format)
		for _, n := range src.Notes {
			up.Notes = append(up.Notes, msgcat.Messages.Phrase(n))
		}
		for i := range src.Layers {
			l := &src.Layers[i]
			up.Layers = append(up.Layers, ingest.UploadedLayer{Name: l.Name, Geometry: l.Geometry, Count: l.Count, CRS: l.CRS.String(), Fields: l.Fields})
		}
		p, err := db.propose(ctx, src, src.Layers[0].Name)
		if err != nil {
			return err
		}
		up.Layers[0].Samples, up.Proposal, up.Why = p.Samples, p.Proposal, p.Why
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM import_jobs WHERE expires_at < now()`); err != nil {
		return nil, mapError(err, "prune import jobs")
	}
	err = db.Pool.QueryRow(ctx, `INSERT INTO import_jobs (actor, file_name, data) VALUES ($1, $2, $3)
		RETURNING id, file_name, actor, state, done, total, message`, a.Actor, name, data).
		Scan(&up.Job.ID, &up.Job.File, &up.Job.Actor, &up.Job.State, &up.Job.Done, &up.Job.Total, &up.Job.Message)
	if err != nil {
		return nil, mapError(err, "store the upload")
	}
	return up, nil
}

func (db *DB) propose(ctx context.Context, src *foreign.Source, layer string) (*ingest.LayerProposal, error) {
	cat, err := db.ForeignCatalog(ctx, "buildings", false)
	if err != nil {
		return nil, err
	}
	p, err := foreign.Propose(ctx, src, layer, cat)
	if err != nil {
		return nil, err
	}
	y, err := p.Mapping.YAML()
	if err != nil {
		return nil, err
	}
	return &ingest.LayerProposal{Layer: layer, Samples: p.Samples, Proposal: string(y), Why: whyChinese(p.Why)}, nil
}

// ProposeImport proposes a mapping for another layer of the upload of job id.
func (db *DB) ProposeImport(ctx context.Context, id int64, layer string) (*ingest.LayerProposal, error) {
	name, data, err := db.uploadOf(ctx, id)
	if err != nil {
		return nil, err
	}
	var p *ingest.LayerProposal
	err = withUpload(ctx, name, data, func(src *foreign.Source) error {
		if _, err := src.Layer(layer); err != nil {
			return err
		}
		p, err = db.propose(ctx, src, layer)
		return err
	})
	return p, err
}

// PreviewImport runs the upload of job id through the mapping without writing (a dry run) and
// returns the report and the first mapped features.
func (db *DB) PreviewImport(ctx context.Context, id int64, mapping []byte) (*ingest.ImportPreview, error) {
	m, err := foreign.ParseMapping(mapping, "映射 (mapping)")
	if err != nil {
		return nil, err
	}
	name, data, err := db.uploadOf(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Source == "" {
		m.Source = strings.TrimSuffix(name, filepath.Ext(name))
	}
	pv := &ingest.ImportPreview{}
	err = withUpload(ctx, name, data, func(src *foreign.Source) error {
		res, err := db.ImportForeign(ctx, src, m.SourceLayer, m, ForeignOptions{Choice: foreign.CRSChoice{CRS: m.CRS, TOWGS84: m.TOWGS84}, DryRun: true, AllowUnmatched: true})
		if err != nil {
			return err
		}
		pv.CRS, pv.Report, pv.Count = msgcat.Messages.Phrase(res.Plan.Describe), res.Report.Chinese(), res.Mapped.Features
		pv.Unmatched = make([]string, len(res.Mapped.Unmatched))
		for i, u := range res.Mapped.Unmatched {
			pv.Unmatched[i] = msgcat.Messages.Phrase(u)
		}
		if res.Provisional != nil {
			pv.Report += "\n" + strings.Join(res.Provisional.Notes(), "\n")
		}
		pv.Features, err = firstFeatures(res.Mapped.File.Data, 500)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pv, nil
}

// firstFeatures cuts a FeatureCollection (one feature a line, as foreign.Apply writes it) to its
// first n features.
func firstFeatures(fc []byte, n int) (json.RawMessage, error) {
	lines := bytes.Split(fc, []byte("\n"))
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	k := 0
	for _, l := range lines[1:] {
		l = bytes.TrimSuffix(bytes.TrimSpace(l), []byte(","))
		if len(l) == 0 || l[0] != '{' || k == n {
			continue
		}
		if k > 0 {
			b.WriteByte(',')
		}
		b.Write(l)
		k++
	}
	b.WriteString("]}")
	if !json.Valid(b.Bytes()) {
		return nil, fmt.Errorf("preview: the mapped features do not cut cleanly")
	}
	return b.Bytes(), nil
}

// StartImport checks the mapping and starts importing the upload of job id in the background; the
// job's row reports its progress. A job that is not waiting is an ErrConflict error.
func (db *DB) StartImport(ctx context.Context, a renew.AuditEntry, id int64, mapping []byte) error {
	m, err := foreign.ParseMapping(mapping, "映射 (mapping)")
	if err != nil {
		return err
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE import_jobs SET state = 'running', message = '', updated_at = now() WHERE id = $1 AND state = 'uploaded' AND data IS NOT NULL AND expires_at > now()`, id)
	if err != nil {
		return mapError(err, "start the import")
	}
	if tag.RowsAffected() == 0 {
		if _, err := db.ImportJob(ctx, id); err != nil {
			return err
		}
		return &renew.Error{Kind: renew.ErrConflict, Msg: "该导入已开始或已过期，请重新上传 (the import has started already, or expired)"}
	}
	db.jobs.Add(1)
	go func() {
		defer db.jobs.Done()
		db.runImport(context.WithoutCancel(ctx), a, id, m)
	}()
	return nil
}

// runImport does a job's import, recording progress, the outcome and an audit entry; the upload
// is dropped when it ends.
func (db *DB) runImport(ctx context.Context, a renew.AuditEntry, id int64, m *foreign.Mapping) {
	fail := func(err error) {
		msg := "导入失败，数据未改动。"
		if t, ok := msgcat.Messages.Text(err); ok {
			msg = "导入失败，数据未改动：" + t
		}
		db.Pool.Exec(ctx, `UPDATE import_jobs SET state = 'failed', message = $2, data = NULL WHERE id = $1`, id, msg)
	}
	name, data, err := db.uploadOf(ctx, id)
	if err != nil {
		fail(err)
		return
	}
	if m.Source == "" {
		m.Source = strings.TrimSuffix(name, filepath.Ext(name))
	}
	var mu sync.Mutex
	last := time.Time{}
	progress := func(layer string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if done < total && time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		db.Pool.Exec(ctx, `UPDATE import_jobs SET done = $2, total = $3, updated_at = now() WHERE id = $1`, id, done, total)
	}
	var res *ForeignResult
	err = withUpload(ctx, name, data, func(src *foreign.Source) error {
		var err error
		res, err = db.ImportForeign(ctx, src, m.SourceLayer, m, ForeignOptions{Choice: foreign.CRSChoice{CRS: m.CRS, TOWGS84: m.TOWGS84}, Progress: progress})
		return err
	})
	if err != nil {
		fail(err)
		return
	}
	report := "坐标：" + msgcat.Messages.Phrase(res.Plan.Describe) + "\n" + res.Report.Chinese()
	if res.Provisional != nil {
		report += "\n" + strings.Join(res.Provisional.Notes(), "\n")
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback(ctx)
	a.Action, a.Table, a.RowID, a.After = "import", m.Layer, fmt.Sprint(id), map[string]any{"file": name, "source": m.Source, "report": res.Report.String()}
	if err := audit(ctx, tx, a); err != nil {
		fail(err)
		return
	}
	if _, err := tx.Exec(ctx, `UPDATE import_jobs SET state = 'done', done = total, message = $2, data = NULL WHERE id = $1`, id, report); err != nil {
		fail(err)
		return
	}
	if err := tx.Commit(ctx); err != nil {
		fail(err)
	}
}

// ImportJob returns job id; an unknown or expired job is ErrNotFound.
func (db *DB) ImportJob(ctx context.Context, id int64) (ingest.ImportJob, error) {
	var j ingest.ImportJob
	// A running job nobody updated for 10 minutes died with the instance that ran it (a restart).
	err := db.Pool.QueryRow(ctx, `
		SELECT id, file_name, actor,
		       CASE WHEN state = 'running' AND updated_at < now() - interval '10 minutes' THEN 'failed' ELSE state END,
		       done, total,
		       CASE WHEN state = 'running' AND updated_at < now() - interval '10 minutes'
		            THEN '导入中断（服务重启？）：请在审计日志中查看是否已写入，再重新上传 (the import was interrupted; see the audit log whether it was written)' ELSE message END
		FROM import_jobs WHERE id = $1`, id).
		Scan(&j.ID, &j.File, &j.Actor, &j.State, &j.Done, &j.Total, &j.Message)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, renew.NotFound("没有这个导入任务 (no import %d)", id)
	}
	return j, mapError(err, "read the import job")
}

// WaitImports waits for the background imports of this process to end (tests, shutdown).
func (db *DB) WaitImports() { db.jobs.Wait() }

func (db *DB) uploadOf(ctx context.Context, id int64) (string, []byte, error) {
	var name string
	var data []byte
	err := db.Pool.QueryRow(ctx, `SELECT file_name, data FROM import_jobs WHERE id = $1 AND expires_at > now()`, id).Scan(&name, &data)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && data == nil {
		return "", nil, renew.NotFound("没有这个上传，或已过期 (no upload %d, or it expired); upload the file again", id)
	}
	return name, data, mapError(err, "read the upload")
}

// withUpload writes an upload to a private temporary folder, opens it and removes it afterwards.
func withUpload(ctx context.Context, name string, data []byte, fn func(*foreign.Source) error) error {
	dir, err := os.MkdirTemp("", "renewmap-upload-")
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	src, err := foreign.Open(ctx, p, name, foreign.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	return fn(src)
}

var unsafeChars = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// safeName keeps a file name's base with letters, digits, dot, dash and underscore only.
func safeName(name string) string {
	base := filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	base = strings.TrimLeft(unsafeChars.ReplaceAllString(base, "_"), ".")
	if base == "" || base == "_" {
		base = "upload"
	}
	return base
}

// Chinese summarises the report for the import page, one line per layer.
func (r ImportReport) Chinese() string {
	var b strings.Builder
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "%s：共 %d 条，新增 %d，更新 %d，不变 %d", l.Layer, l.Features, l.Inserted, l.Updated, l.Unchanged)
		if l.Deleted > 0 {
			fmt.Fprintf(&b, "，删除 %d", l.Deleted)
		}
		b.WriteString("\n")
		if len(l.Kept) > 0 {
			fmt.Fprintf(&b, "  上次导入后在系统中修改过、保留系统中的值 %d 条：%s\n", len(l.Kept), codeList(l.Kept))
		}
		if len(l.Missing) > 0 && l.Deleted == 0 {
			fmt.Fprintf(&b, "  文件中已没有、保留 %d 条：%s\n", len(l.Missing), codeList(l.Missing))
		}
	}
	fmt.Fprintf(&b, "用时 %s", r.Duration.Round(time.Millisecond))
	return b.String()
}

// whyChinese says why each entry of a mapping was proposed, in the catalogue's Chinese.
func whyChinese(why []renew.Text) []string {
	out := make([]string, len(why))
	for i, w := range why {
		out[i] = msgcat.Messages.Phrase(w)
	}
	return out
}
