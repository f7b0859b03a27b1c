// Package ftm implements the parts of the FollowTheMoney (FtM) data model
// that Liaison stores intelligence in: the schemata of FtM 3.8 with their
// inheritance, the [Entity] value, a bounded JSON-lines [Decoder], and
// normalisers for each property type.
package ftm
