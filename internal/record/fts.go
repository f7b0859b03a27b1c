package record

import (
	"strings"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/names"
)

// The full-text index is the only part of this package whose SQL differs
// between the engines; all of it is in this file.
//
// Both engines index the same pre-processed text, so that they find the
// same records: each record is one document of three fields, built by
// [ftsDocument]:
//
//   - names: every name-typed property value, folded ([names.Fold]: lower
//     case, no diacritics, Cyrillic, Greek and Arabic transliterated);
//   - skel: the consonant skeletons of those names ([names.Skeleton]), in
//     which transliteration and spelling variants fall together;
//   - body: title, narrative and assessment, folded word by word.
//
// A query word matches a record when its folded form is in names or body,
// or its skeleton is in skel; every word must match. SQLite keeps the
// fields as FTS5 columns of a contentless table (the text is not stored
// twice; rows are deleted by rowid, and secure-delete removes an erased
// record's tokens from the index at once rather than at the next merge).
// PostgreSQL keeps one tsvector with the fields as weights A, B and C and a
// GIN index.

var ftsTable = db.Migration{
	SQLite: `CREATE VIRTUAL TABLE record_fts USING fts5(names, skel, body,
		content='', contentless_delete=1, detail=column, tokenize='unicode61 remove_diacritics 2')`,
	Postgres: `CREATE TABLE record_fts (rid BIGINT PRIMARY KEY, doc tsvector NOT NULL)`,
}

var ftsIndex = db.Migration{
	SQLite:   `INSERT INTO record_fts (record_fts, rank) VALUES ('secure-delete', 1)`,
	Postgres: `CREATE INDEX record_fts_doc ON record_fts USING GIN (doc)`,
}

// ftsDoc is one record's full-text document.
type ftsDoc struct {
	names, skel, body string
}

// Bounds on a full-text query.
const (
	maxQueryBytes = 500
	maxQueryWords = 16
)

// ftsDocument builds the document of a record's current version.
func ftsDocument(title, narrative, assessment string, ents []ftm.Entity) ftsDoc {
	var nm, sk strings.Builder
	for _, e := range ents {
		s, ok := ftm.LookupSchema(e.Schema)
		if !ok {
			continue
		}
		for prop, vs := range e.Properties {
			if p, ok := s.Property(prop); !ok || p.Type != ftm.TypeName {
				continue
			}
			for _, v := range vs {
				f := names.Fold(v)
				appendWords(&nm, f)
				appendWords(&sk, names.Skeleton(f)) // Fold is idempotent: the same as Skeleton(v), folding once
			}
		}
	}
	var body strings.Builder
	for _, text := range []string{title, narrative, assessment} {
		foldText(&body, text)
	}
	return ftsDoc{names: nm.String(), skel: sk.String(), body: body.String()}
}

func appendWords(b *strings.Builder, s string) {
	if s == "" {
		return
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(s)
}

// foldText folds free text of any length: names.Fold bounds its input, so
// the text is folded in chunks of whole words.
func foldText(b *strings.Builder, text string) {
	const chunk = names.MaxNameLen / 2
	words := strings.Fields(text)
	for start := 0; start < len(words); {
		n, end := 0, start
		for end < len(words) && (end == start || n+len(words[end]) < chunk) {
			n += len(words[end]) + 1
			end++
		}
		appendWords(b, names.Fold(strings.Join(words[start:end], " ")))
		start = end
	}
}

// queryTerm is one word of a full-text query: its folded form and
// skeleton. A word that folds to several tokens ("García-Márquez") gives
// several terms.
type queryTerm struct {
	folded, skel string
}

// parseQuery folds the words of a query into terms, at most maxQueryWords.
func parseQuery(q string) []queryTerm {
	var terms []queryTerm
	for _, tok := range strings.Fields(names.Fold(q)) {
		if len(terms) == maxQueryWords {
			break
		}
		terms = append(terms, queryTerm{folded: tok, skel: names.Skeleton(tok)})
	}
	return terms
}

// ftsMatch returns the SQL condition "record r matches the terms" and its
// argument.
func ftsMatch(d db.Dialect, terms []queryTerm) (string, any) {
	var b strings.Builder
	if d == db.Postgres {
		for i, t := range terms {
			if i > 0 {
				b.WriteString(" & ")
			}
			b.WriteString("(" + tsLexeme(t.folded) + ":AC")
			if t.skel != "" {
				b.WriteString(" | " + tsLexeme(t.skel) + ":B")
			}
			b.WriteString(")")
		}
		return `r.rid IN (SELECT rid FROM record_fts WHERE doc @@ to_tsquery('simple', ?))`, b.String()
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("({names body} : " + ftsString(t.folded))
		if t.skel != "" {
			b.WriteString(" OR skel : " + ftsString(t.skel))
		}
		b.WriteString(")")
	}
	return `r.rid IN (SELECT rowid FROM record_fts WHERE record_fts MATCH ?)`, b.String()
}

// ftsString quotes s as an FTS5 string.
func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// tsLexeme quotes s as a tsquery lexeme.
func tsLexeme(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ftsInsert returns the statement inserting n documents and appends their
// arguments (rid, names, skel, body for each) to args.
func ftsInsert(d db.Dialect, rids []int64, docs []ftsDoc, args []any) (string, []any) {
	var b strings.Builder
	if d == db.Postgres {
		b.WriteString(`INSERT INTO record_fts (rid, doc) VALUES `)
		for i := range rids {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') || setweight(to_tsvector('simple', ?), 'C'))`)
		}
	} else {
		b.WriteString(`INSERT INTO record_fts (rowid, names, skel, body) VALUES `)
		for i := range rids {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?)`)
		}
	}
	for i, rid := range rids {
		args = append(args, rid, docs[i].names, docs[i].skel, docs[i].body)
	}
	return b.String(), args
}

// ftsDelete returns the statement removing a record's document.
func ftsDelete(d db.Dialect) string {
	if d == db.Postgres {
		return `DELETE FROM record_fts WHERE rid = ?`
	}
	return `DELETE FROM record_fts WHERE rowid = ?`
}
