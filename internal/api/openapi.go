package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/httpx"
)

// Schemaer lets a type describe its own JSON Schema (enums, formats).
type Schemaer interface {
	JSONSchema() map[string]any
}

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

// OpenAPI renders the OpenAPI 3.1 document for routes.
func OpenAPI(info Info, routes []Route) ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	seen := map[string]bool{}
	for _, rt := range routes {
		if !strings.HasPrefix(rt.Path, Prefix+"/") {
			return nil, fmt.Errorf("route %s %s is not under %s", rt.Method, rt.Path, Prefix)
		}
		k := rt.Method + " " + rt.Path
		if seen[k] {
			return nil, fmt.Errorf("route %s registered twice", k)
		}
		seen[k] = true
		if rt.Summary == "" || rt.Handler == nil {
			return nil, fmt.Errorf("route %s lacks a summary or handler", k)
		}
		p := pathParam.ReplaceAllString(rt.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = g.operation(rt)
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   info.Title,
			"version": info.Version,
			"description": "Liaison officer API. Errors are RFC 9457 problem+json. Lists page with an opaque " +
				"`cursor`. POST requests may carry an `Idempotency-Key`. Routes that process personal data need " +
				"a `Liaison-Justification` or `Liaison-Case` header (428 otherwise).",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "API token"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "__Host-liaison_session", "description": "portal session; unsafe methods also need X-CSRF-Token"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (g *schemaGen) operation(rt Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"operationId": operationID(rt),
		"tags":        []string{rt.Tag},
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.Query {
		typ := q.Type
		if typ == "" {
			typ = "string"
		}
		params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": map[string]any{"type": typ}})
	}
	if rt.Personal {
		params = append(params,
			map[string]any{"name": "Liaison-Justification", "in": "header", "required": !rt.JustificationInBody, "description": "why personal data is processed (or use Liaison-Case)", "schema": map[string]any{"type": "string", "maxLength": 1000}},
			map[string]any{"name": "Liaison-Case", "in": "header", "description": "case reference justifying the processing", "schema": map[string]any{"type": "string", "maxLength": 100}})
	}
	if rt.Method == http.MethodPost {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "makes retries of this POST safe", "schema": map[string]any{"type": "string", "maxLength": maxKeyLen}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Request != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Request))}}}
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if rt.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response))}}
	}
	problem := map[string]any{"description": "error", "content": map[string]any{
		"application/problem+json": map[string]any{"schema": g.schema(reflect.TypeOf(httpx.Problem{}))}}}
	op["responses"] = map[string]any{fmt.Sprint(status): ok, "default": problem}
	if rt.Public {
		op["security"] = []any{}
	} else {
		op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		if len(rt.Roles) > 0 {
			op["description"] = fmt.Sprintf("Roles: %v.", rt.Roles)
		}
	}
	return op
}

func operationID(rt Route) string {
	parts := []string{strings.ToLower(rt.Method)}
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Path, Prefix+"/"), "/") {
		seg = strings.Trim(seg, "{}.")
		seg = strings.ReplaceAll(seg, "-", "")
		if seg != "" {
			parts = append(parts, strings.ToUpper(seg[:1])+seg[1:])
		}
	}
	return strings.Join(parts, "")
}

type schemaGen struct {
	defs map[string]any
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	durationType = reflect.TypeOf(time.Duration(0))
	rawJSONType  = reflect.TypeOf(json.RawMessage(nil))
	schemaerType = reflect.TypeOf((*Schemaer)(nil)).Elem()
)

// schema returns the JSON Schema of t, registering named structs under
// components/schemas.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t.Implements(schemaerType) {
		return reflect.Zero(t).Interface().(Schemaer).JSONSchema()
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case rawJSONType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		return g.structSchema(t)
	}
	return map[string]any{}
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	name := t.Name()
	generic := strings.ContainsAny(name, "[]")
	if name != "" && !generic {
		name = strings.ReplaceAll(t.String(), ".", "")
		name = strings.ToUpper(name[:1]) + name[1:]
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, ok := g.defs[name]; ok {
			return ref
		}
		g.defs[name] = map[string]any{} // placeholder breaks recursion
		g.defs[name] = g.objectSchema(t)
		return ref
	}
	return g.objectSchema(t)
}

func (g *schemaGen) objectSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			inner := g.objectSchema(derefType(f.Type))
			for k, v := range inner["properties"].(map[string]any) {
				props[k] = v
			}
			if r, ok := inner["required"].([]string); ok {
				required = append(required, r...)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			s = withDescription(s, doc)
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

func withDescription(s map[string]any, doc string) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}, "description": doc}
	}
	c := make(map[string]any, len(s)+1)
	for k, v := range s {
		c[k] = v
	}
	c["description"] = doc
	return c
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
