package renew

import (
	"encoding/json"
	"time"
)

// EditLayers are the layers a planner may edit on the map, by their table names: community
// outlines, gates, paths and roads, buildings and facilities.
var EditLayers = []string{"communities", "gates", "roads", "buildings", "facilities"}

// Editable reports whether layer is one of EditLayers.
func Editable(layer string) bool {
	for _, l := range EditLayers {
		if l == layer {
			return true
		}
	}
	return false
}

// FeatureState is a feature as an edit sees it: its code, its properties by the importer's
// property names (references as the codes of what they refer to, docs/data-format.md) and its
// GeoJSON geometry. The audit log keeps one before and one after each edit.
type FeatureState struct {
	Code       string          `json:"code"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// MapFeature is an editable feature as stored, with its version (send it back as If-Match).
type MapFeature struct {
	Layer       string `json:"layer"`
	ID          int64  `json:"id"`
	Version     string `json:"version"`
	Provisional bool   `json:"provisional"` // communities only: 待核实, an outline the service proposed
	FeatureState
}

// FeatureEdit is one entry of a feature's history: what it was before and after the edit (nil
// before a creation and after a deletion).
type FeatureEdit struct {
	Entry  int64         `json:"entry"` // the audit_log id
	At     time.Time     `json:"at"`
	Actor  string        `json:"actor"`
	Action string        `json:"action"` // edit.create, edit.update, edit.delete, edit.restore, edit.split, edit.confirm
	Before *FeatureState `json:"before"`
	After  *FeatureState `json:"after"`
}

// ErrFeatureChanged is returned by an edit whose If-Match names a version that is no longer the
// feature's: someone else saved it in between.
var ErrFeatureChanged = &Error{Kind: ErrConflict,
	Msg: "该要素已被他人修改，您的修改未保存。请刷新后重新编辑 (the feature changed since you loaded it)"}

// Edit is one change to one feature of an edit layer (EditLayers).
type Edit struct {
	Layer string
	ID    int64 // 0: create
	// IfMatch is the version the editor loaded (MapFeature.Version); "" skips the check.
	IfMatch string
	// Properties overlay the feature's (importer names; a null removes an optional one);
	// Geometry, when set, replaces it (GeoJSON).
	Properties map[string]json.RawMessage
	Geometry   json.RawMessage
	Delete     bool
	Confirm    bool // communities: the planner confirms a provisional (待核实) outline
}

// Editor is who edits: the audit entry's actor and address, and whether the 街道 limits of
// edit_zones apply (they do not to admins).
type Editor struct {
	Audit   AuditEntry
	Limited bool
}
