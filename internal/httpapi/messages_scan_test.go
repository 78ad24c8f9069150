package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// userMessageIDs finds every message the code can show a user: the literal first argument of
// renew.Invalid, renew.NotFound, renew.Conflict and renew.T (a part of a message), the literal Msg
// of a renew.Error, and the literal format of an import's problem (Problems.Add, in the files of
// package ingest or that import it), in the non-test Go files under root. It returns each with
// the place it was found.
func userMessageIDs(t *testing.T, root string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		inRenew := f.Name.Name == "renew"
		withProblems := f.Name.Name == "ingest"
		for _, im := range f.Imports {
			withProblems = withProblems || im.Path.Value == `"renewmap/internal/ingest"`
		}
		add := func(e ast.Expr) {
			if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					ids[s] = fset.Position(lit.Pos()).String()
				}
			}
		}
		isRenew := func(e ast.Expr, names ...string) bool {
			var name string
			switch x := e.(type) {
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); !ok || id.Name != "renew" {
					return false
				}
				name = x.Sel.Name
			case *ast.Ident:
				if !inRenew {
					return false
				}
				name = x.Name
			default:
				return false
			}
			for _, n := range names {
				if n == name {
					return true
				}
			}
			return false
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if isRenew(x.Fun, "Invalid", "NotFound", "Conflict", "T") && len(x.Args) > 0 {
					add(x.Args[0])
				}
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && withProblems && sel.Sel.Name == "Add" && len(x.Args) > 0 {
					add(x.Args[0])
				}
			case *ast.CompositeLit:
				if isRenew(x.Type, "Error") {
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Msg" {
								add(kv.Value)
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
