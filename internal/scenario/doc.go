// Package scenario generates synthetic but realistic cross-border cases for
// demos, exercises and benchmarks: criminal networks (drug trafficking and
// money laundering, human trafficking, cyber fraud) whose members,
// documents, vehicles, phones, bank accounts, crypto-asset wallets,
// companies, addresses, relations and movements are held in part, and
// differently, by the agencies of several countries, together with the
// ground truth of which entities describe the same real-world thing.
//
// Nothing here touches a database or the network. Output is deterministic:
// the same [Options] give byte-identical files (math/rand/v2 PCG streams
// seeded from Options.Seed; no map is ever iterated to produce output).
// [Generate] builds small and medium scenarios in memory; [Write] and
// [WriteDir] stream any size, holding one network at a time.
//
// # The world
//
// A scenario is a number of networks ("cells"). Cell 0 is the story
// network of Options.Kind; the others are background networks of all kinds
// (none for Small, 40 for Medium, 9,000 for Large, which gives well over a
// million entities). Each cell has its own random stream, so the story
// network is the same at every size.
//
// Members get names from the name pool of their country of origin (NL, DE,
// FR, BE, ES, IT, PL, RO, BG, GR, RU, UA, RS, TR, MA, DZ, AL, GB, US), in
// the script of its civil register. Agencies write names as they would:
// in their own script when it is the person's, otherwise from the passport
// (ICAO 9303 transliteration, folded to A–Z), in their national
// transliteration (German Duden, French, English BGN/PCGN; customary
// French-style spellings for Arabic names), or as transcribed from seized
// documents in the original script; with occasional misspellings, partial
// or day/month-swapped dates of birth, and house styles ("IWANOW, Sergej"
// at DE-BKA, "IVANOV Sergueï" at FR-OCRTIS, "Иванов Сергей Петрович" at a
// Russian agency).
//
// Identifiers follow each country's format: passport and identity-card
// numbers, personal numbers with their check digits (BSN, PESEL, CNP, EGN,
// TC Kimlik, JMBG, DNI, NIR, Belgian national number), E.164 mobile
// numbers from the national mobile ranges, number plates, 17-character
// VINs with a valid check digit, IBANs with valid ISO 13616 check digits
// and national check digits where modelled (other countries get national
// account numbers), bech32 bitcoin and base58check TRON addresses with
// valid checksums, company register numbers. E-mail domains are under
// .example (RFC 2606) and IP addresses in the documentation ranges (RFC
// 5737); other values are random and may coincide with real ones, so
// scenario data must only ever be loaded for exercises, demos and tests
// (every record carries "synthetic": true).
//
// Entities use only FollowTheMoney 3.8 schemata and non-deprecated,
// non-stub properties: Person, Passport, Identification, Vehicle,
// BankAccount, CryptoWallet, Company, Address, UserAccount, Ownership,
// Directorship, Family, Associate, Employment, Payment, Trip and Event.
// FtM 3.8 has no VIN property: a vehicle's VIN is in its description as
// "VIN <17 characters>".
//
// # Agencies
//
// Each participating country has one agency, fixed by [AgencyFor]:
//
//	NL NL-NCB     DE DE-BKA    FR FR-OCRTIS  BE BE-FEDPOL  ES ES-CNP
//	IT IT-SCIP    PL PL-KGP    RO RO-IGPR    BG BG-GDNP    GR GR-ELAS
//	RU RU-NCB     UA UA-NPU    RS RS-MUP     TR TR-EGM     MA MA-DGSN
//	DZ DZ-DGSN    AL AL-ASP    GB GB-NCA     US US-FBI
//
// The first country's agency leads the story investigation. An agency
// holds the members who live in its country, and others with a probability
// that depends on their role; it knows each of their documents, accounts
// and relations with a probability, more where the thing is registered in
// its country; a payment is known to the agencies of both banks' countries; a
// movement to the agencies at either end. An agency that holds a relation,
// payment or movement also holds (with little detail) what it must
// reference. Each agency's holding of a network is split into records:
// the connected groups of its entities. A record is self-contained (every
// entity it references is in it) and each entity is in exactly one record.
//
// # Story hooks
//
// [Story] in scenario.json names what the demo and exercises use: the main
// suspect, held by every agency under different spellings or scripts and
// by at least two with the same passport number; a namesake held by the
// second agency, whose record is later withdrawn; a stolen passport used by
// an impostor; a stolen vehicle; a red-notice candidate with a serious
// ordinary-law charge; a flawed notice request for insulting a head of
// state, which screening must refuse under Art. 3 of the INTERPOL
// Constitution. timeline.jsonl plays the story: the story network's
// records are created, shared, queried, alerted on, noticed and withdrawn,
// with what the system under test should answer. Background networks have
// no timeline: load them before the exercise starts.
//
// # On-disk layout
//
//	scenario.json              Manifest: format, options, reference date, agencies, story, counts, files
//	<AGENCY-ID>/records.jsonl  one Record per line: id, agency, case_ref, title, narrative,
//	                           created, synthetic, envelope (handling H0–H3, TLP, evaluation,
//	                           purpose, legal basis, review date, data-subject categories),
//	                           entities (FtM JSON: {"id","schema","properties"})
//	ground_truth.json          {"format","seed","clusters":[{"id","schema","role","members":[entity ids]}]},
//	                           one cluster per line; every emitted entity is in exactly one cluster
//	timeline.jsonl             one TimelineEvent per line, by offset in seconds
//	alerts.csv                 document alerts: document_number,country,type,status,reported_on,reporting_agency,alert_id
//	vehicle_alerts.csv         vehicle alerts: vin,plate,country,make,model,colour,status,reported_on,reporting_agency,alert_id
//
// Pure FtM lines for other tools: jq -c '.entities[]' < NL-NCB/records.jsonl.
// All dates lie before the fixed reference date 2025-06-02.
package scenario
