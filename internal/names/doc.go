// Package names matches personal names across scripts and spellings, for
// records search, hit/no-hit match keys and border lookups.
//
// # Layers
//
// [Fold] turns any name into lower-case Latin letters: diacritics go,
// Cyrillic, Greek and Arabic are transliterated (ICAO Doc 9303, ELOT 743,
// a consonant skeleton for Arabic). [Tokens] are its sorted unique words.
// [Skeleton] then collapses transliteration and spelling variants into a
// consonant skeleton, and [Phonetic] is the primary Double Metaphone code
// of a token. [MatchKeys] combines these with a date of birth into
// domain-separated keys of stated [Strength].
//
// # What falls together, and what does not
//
// Tested examples (names_test.go):
//
//   - Сергей Иванов = Sergei Ivanov = Sergey Ivanov = Serguei Ivanoff =
//     Sergej Iwanow (skeleton "srgi avnv"). Ukrainian Сергій is "serhii"
//     (г is h in Ukrainian), a different skeleton: the Russian and
//     Ukrainian forms of a name are translations, not transliterations.
//   - Müller = Mueller = Muller; but also Miller, as inner vowels are gone.
//   - Mohammed = Muhammad = Mohamed = Mohamad = محمد ("mhmd"); Mehmet is
//     not among them.
//   - Γεώργιος Παπαδόπουλος = Georgios Papadopoulos; Šešelj = Шешељ.
//   - García-Márquez = Garcia Marquez = Márquez García (as sorted tokens).
//     A second surname that is left out does not match: keys are exact.
//   - Initial y and j: Yakovlev = Iakovlev = Яковлев, but Jakowlew (German)
//     starts with a consonant and does not match.
//
// # Compatibility
//
// Match keys are stored and exchanged between nodes. Every key value
// carries its kind and a rule version; any change to Fold, Skeleton or
// Phonetic that changes existing keys must bump that version, so that keys
// of different rule sets are never compared.
package names
