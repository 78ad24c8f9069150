package ingest

import (
	"strings"

	"renewmap/internal/renew"
)

// Known is what the database holds that a batch may use: the codes of every vocabulary and the
// codes of the features of the layers that others refer to.
type Known struct {
	// Enums maps a vocabulary (Field.Enum: a label table's name without _labels, or VocabMenu,
	// VocabDepartment, VocabFacilityKind) to its codes in display order.
	Enums map[string][]string
	// Codes maps a layer to the codes of its features in the database.
	Codes map[string]map[string]bool
}

// Replace says what an import with --replace deletes: in each layer of the batch, the rows the
// batch does not hold whose code starts with Prefix ("" for every row). Off: nothing.
type Replace struct {
	On     bool
	Prefix string
}

// Deletes reports whether a row of a layer in the batch with this code, absent from the batch,
// is deleted.
func (r Replace) Deletes(code string) bool { return r.On && strings.HasPrefix(code, r.Prefix) }

// Check validates the enumeration codes and references of b against k: a reference must name a
// feature of the same batch or one in the database. With replace on, the rows of a layer in the
// batch that the batch does not contain (and replace covers) are about to be deleted, so
// references to them fail too. It returns a *ValidationError (kind renew.ErrInvalid) or nil.
func (b *Batch) Check(k Known, replace Replace) error {
	var p Problems
	sets := map[string]map[string]bool{}
	for name, codes := range k.Enums {
		s := make(map[string]bool, len(codes))
		for _, c := range codes {
			s[c] = true
		}
		sets[name] = s
	}
	inBatch := map[string]map[string]bool{}
	for _, ld := range b.Layers {
		s := make(map[string]bool, len(ld.Features))
		for i := range ld.Features {
			s[ld.Features[i].Code] = true
		}
		inBatch[ld.Layer.Name] = s
	}
	exists := func(layer, code string) bool {
		if inBatch[layer][code] {
			return true
		}
		if inBatch[layer] != nil && replace.Deletes(code) {
			return false
		}
		return k.Codes[layer][code]
	}
	enumProblem := func(fld *Field, code string) renew.Text {
		codes, ok := k.Enums[fld.Enum]
		if !ok {
			return renew.T("unknown %s code %q (the database has no %s codes)", fld.Enum, code, fld.Enum)
		}
		if len(codes) <= 12 {
			return renew.T("unknown %s code %q; want one of %s", fld.Enum, code, strings.Join(codes, ", "))
		}
		return renew.T("unknown %s code %q (not one of the %d codes in the database's %s table)",
			fld.Enum, code, len(codes), vocabTable(fld.Enum))
	}
	checkFields := func(where, prefix renew.Text, fields []Field, props map[string]any) {
		for i := range fields {
			fld := &fields[i]
			switch fld.Kind {
			case KindEnum:
				if c, ok := props[fld.Name].(string); ok && !sets[fld.Enum][c] {
					p.Add("%s: %sproperty %q: %s", where, prefix, fld.Name, enumProblem(fld, c))
				}
			case KindEnumArray:
				cs, _ := props[fld.Name].([]string)
				for _, c := range cs {
					if !sets[fld.Enum][c] {
						p.Add("%s: %sproperty %q: %s", where, prefix, fld.Name, enumProblem(fld, c))
						break
					}
				}
			case KindRef:
				if c, ok := props[fld.Name].(string); ok && !exists(fld.Ref, c) {
					what := renew.T("no %s with code %q in the database or in this import", singular(fld.Ref), c)
					if inBatch[fld.Ref] != nil && replace.Deletes(c) && k.Codes[fld.Ref][c] {
						what = renew.T("%s %q is not in this import's %s, so --replace would delete it", singular(fld.Ref), c, fld.Ref)
					}
					p.Add("%s: %sproperty %q: %s", where, prefix, fld.Name, what)
				}
			}
		}
	}
	for _, ld := range b.Layers {
		for i := range ld.Features {
			f := &ld.Features[i]
			where := f.Where()
			checkFields(where, renew.Text{}, ld.Layer.Fields, f.Props)
			for _, r := range f.Items {
				checkFields(where, renew.T("items[%d]: ", r.Index), ItemFields, r.Props)
			}
			for _, r := range f.Funding {
				checkFields(where, renew.T("funding[%d]: ", r.Index), FundingFields, r.Props)
			}
		}
	}
	return p.Err()
}

func vocabTable(vocab string) string {
	switch vocab {
	case VocabFacilityKind:
		return "facility_kinds"
	case VocabMenu:
		return "renovation_menu"
	case VocabDepartment:
		return "departments"
	}
	return vocab + "_labels"
}

// singular names one feature of a layer in messages.
func singular(layer string) string {
	switch layer {
	case "communities":
		return "community"
	case "facilities":
		return "facility"
	case "neighbourhoods", "subdistricts", "districts", "buildings", "roads", "gates", "pipelines", "plans":
		return strings.TrimSuffix(layer, "s")
	}
	return layer
}
