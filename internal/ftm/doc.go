// Package ftm implements the parts of the FollowTheMoney (FtM) data model
// that Liaison stores intelligence in.
//
// # Model
//
// All 70 schemata of FtM 3.8 are transcribed in schemata.go, with labels,
// parents, abstract and matchable flags, edges and every property with its
// type, range, reverse and format. [LookupSchema] resolves inheritance the
// way FtM does (own properties first, then parents in order). A test
// compares the transcription with FtM's model.json field by field.
//
// # Entities and decoding
//
// [Entity] is the canonical {"id", "schema", "properties"} value; its
// Extra map keeps properties the 3.8 model does not know (OpenSanctions
// exports use FtM 4 properties) so that they survive a round trip.
// [Decoder] reads JSON lines under explicit bounds ([DecodeOptions]) and
// validates each entity; every error names the line, entity and property
// and never repeats a value. [IDSet] finds ids repeated within a record.
//
// # Normalisation and identifiers
//
// [Normalize] and [NormalizeValue] dispatch to one pure normaliser per
// property type ([NormalizeDate], [NormalizeCountry], [NormalizeIBAN],
// [NormalizePhone], …). [IsCountry] and [CountryName] expose the ISO
// 3166-1 table. [IdentifierKeys] lists the normalised identifiers an
// entity carries (passport, IBAN, plate, phone, wallet, IMO, …) for exact
// lookups and correlation.
//
// # Compatibility
//
// Identifier kinds and normalised forms are stored and exchanged between
// nodes: changing a normaliser's output for values it already accepted is
// a breaking change that requires re-keying stored data.
package ftm
