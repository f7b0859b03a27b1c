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
// same records. Each record is one document of lower-case words built by
// [ftsDocument]:
//
//   - every name-typed property value, folded ([names.Fold]: lower case,
//     no diacritics, Cyrillic, Greek and Arabic transliterated);
//   - title, narrative and assessment, folded word by word;
//   - the consonant skeletons of the names ([names.Skeleton]), in which
//     transliteration and spelling variants fall together, each prefixed
//     with skelPrefix so that they do not mix with words.
//
// A query word matches a record when its folded form or its prefixed
// skeleton is in the document; every word must match. The engine's own
// tokenizer only splits the words again. SQLite keeps the documents in a
// contentless FTS5 table (the text is not stored twice; rows are deleted by
// rowid, and secure-delete removes an erased record's tokens from the index
// at once rather than at the next merge). PostgreSQL keeps a tsvector
// ('simple' configuration, which only lower-cases) with a GIN index.

var ftsTable = db.Migration{
	SQLite: `CREATE VIRTUAL TABLE record_fts USING fts5(doc,
		content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2')`,
	Postgres: `CREATE TABLE record_fts (rid BIGINT PRIMARY KEY, doc tsvector NOT NULL)`,
}

var ftsIndex = db.Migration{
	SQLite:   `INSERT INTO record_fts (record_fts, rank) VALUES ('secure-delete', 1)`,
	Postgres: `CREATE INDEX record_fts_doc ON record_fts USING GIN (doc)`,
}

// skelPrefix marks skeleton tokens. A folded word never starts with it
// unless the text holds a word such as "0sxyz"; both tokenizers keep it
// inside one token.
const skelPrefix = "0s"

// Bounds on a full-text query.
const (
	maxQueryBytes = 500
	maxQueryWords = 16
)

// ftsDocument builds the document of a record's current version.
func ftsDocument(title, narrative, assessment string, ents []ftm.Entity) string {
	var b, sk strings.Builder
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
				appendWords(&b, f)
				// Fold is idempotent: Skeleton(f) is Skeleton(v), folding once.
				for _, t := range strings.Fields(names.Skeleton(f)) {
					appendWords(&sk, skelPrefix+t)
				}
			}
		}
	}
	for _, text := range []string{title, narrative, assessment} {
		foldText(&b, text)
	}
	appendWords(&b, sk.String())
	return b.String()
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
	quote, and, or := ftsString, " AND ", " OR "
	if d == db.Postgres {
		quote, and, or = tsLexeme, " & ", " | "
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(and)
		}
		b.WriteString("(" + quote(t.folded))
		if t.skel != "" {
			b.WriteString(or + quote(skelPrefix+t.skel))
		}
		b.WriteString(")")
	}
	if d == db.Postgres {
		return `r.rid IN (SELECT rid FROM record_fts WHERE doc @@ to_tsquery('simple', ?))`, b.String()
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

// ftsInsert returns the statement inserting documents and appends their
// arguments (rid and document of each) to args.
func ftsInsert(d db.Dialect, rids []int64, docs []string, args []any) (string, []any) {
	var b strings.Builder
	row := `(?, ?)`
	if d == db.Postgres {
		b.WriteString(`INSERT INTO record_fts (rid, doc) VALUES `)
		row = `(?, to_tsvector('simple', ?))`
	} else {
		b.WriteString(`INSERT INTO record_fts (rowid, doc) VALUES `)
	}
	for i, rid := range rids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		args = append(args, rid, docs[i])
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
