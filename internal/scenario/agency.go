package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// Agency is the agency that holds a country's share of the scenario. Each
// participating country has exactly one; its ID is the node's agency id.
type Agency struct {
	ID      string `json:"id"`      // e.g. "NL-NCB"; upper case, "<country>-<unit>"
	Country string `json:"country"` // ISO 3166-1 alpha-2, upper case
	Name    string `json:"name"`    // the unit's name in English
	// LegalBasis is the national law under which the agency processes the
	// records it holds; it goes into each record's envelope.
	LegalBasis string `json:"legal_basis"`
}

// Script is the writing system a country writes personal names in.
type Script string

const (
	Latin    Script = "Latin"
	Cyrillic Script = "Cyrillic"
	Greek    Script = "Greek"
	Arabic   Script = "Arabic"
)

// countryInfo is what the generator knows about a country.
type countryInfo struct {
	agency   Agency
	name     string // English short name
	script   Script // script of personal names in its civil registers
	language string // FtM language code of its official language
	// lowerParticles: the country's police writes name particles such as
	// "van der" or "el" in lower case, as Dutch and Belgian registers do.
	lowerParticles bool
}

// countries is the table behind [AgencyFor]. The agency chosen per country
// is its police unit most likely to run such a case or its INTERPOL
// National Central Bureau; the demo trio is NL-NCB (the Dutch NCB at the
// national police), DE-BKA (Bundeskriminalamt) and FR-OCRTIS (the French
// central office against drug trafficking, since 2020 named OFAST; the
// project keeps the older id for its demo).
var countries = map[string]countryInfo{
	"NL": {agency: Agency{ID: "NL-NCB", Name: "National Police, International Legal Assistance and NCB The Hague", LegalBasis: "Wet politiegegevens (Wpg), art. 10"}, name: "Netherlands", script: Latin, language: "nld", lowerParticles: true},
	"DE": {agency: Agency{ID: "DE-BKA", Name: "Bundeskriminalamt", LegalBasis: "Bundeskriminalamtgesetz (BKAG)"}, name: "Germany", script: Latin, language: "deu"},
	"FR": {agency: Agency{ID: "FR-OCRTIS", Name: "Office central pour la répression du trafic illicite des stupéfiants", LegalBasis: "Code de procédure pénale, art. 230-6"}, name: "France", script: Latin, language: "fra"},
	"BE": {agency: Agency{ID: "BE-FEDPOL", Name: "Federal Judicial Police", LegalBasis: "Loi sur la fonction de police, art. 44/1"}, name: "Belgium", script: Latin, language: "nld", lowerParticles: true},
	"ES": {agency: Agency{ID: "ES-CNP", Name: "Cuerpo Nacional de Policía", LegalBasis: "Ley Orgánica 7/2021"}, name: "Spain", script: Latin, language: "spa"},
	"IT": {agency: Agency{ID: "IT-SCIP", Name: "Servizio per la Cooperazione Internazionale di Polizia", LegalBasis: "D.Lgs. 51/2018"}, name: "Italy", script: Latin, language: "ita"},
	"PL": {agency: Agency{ID: "PL-KGP", Name: "Komenda Główna Policji", LegalBasis: "Ustawa o Policji"}, name: "Poland", script: Latin, language: "pol"},
	"RO": {agency: Agency{ID: "RO-IGPR", Name: "Inspectoratul General al Poliției Române", LegalBasis: "Legea nr. 363/2018"}, name: "Romania", script: Latin, language: "ron"},
	"BG": {agency: Agency{ID: "BG-GDNP", Name: "General Directorate National Police", LegalBasis: "Закон за министерството на вътрешните работи"}, name: "Bulgaria", script: Cyrillic, language: "bul"},
	"GR": {agency: Agency{ID: "GR-ELAS", Name: "Hellenic Police", LegalBasis: "Νόμος 4624/2019"}, name: "Greece", script: Greek, language: "ell"},
	"RU": {agency: Agency{ID: "RU-NCB", Name: "INTERPOL NCB Moscow", LegalBasis: "Федеральный закон «О полиции»"}, name: "Russia", script: Cyrillic, language: "rus"},
	"UA": {agency: Agency{ID: "UA-NPU", Name: "National Police of Ukraine", LegalBasis: "Закон України «Про Національну поліцію»"}, name: "Ukraine", script: Cyrillic, language: "ukr"},
	"RS": {agency: Agency{ID: "RS-MUP", Name: "Ministry of Interior, Police Directorate", LegalBasis: "Закон о полицији"}, name: "Serbia", script: Cyrillic, language: "srp"},
	"TR": {agency: Agency{ID: "TR-EGM", Name: "Emniyet Genel Müdürlüğü", LegalBasis: "Polis Vazife ve Salahiyet Kanunu"}, name: "Turkey", script: Latin, language: "tur"},
	"MA": {agency: Agency{ID: "MA-DGSN", Name: "Direction Générale de la Sûreté Nationale", LegalBasis: "Loi n° 09-08"}, name: "Morocco", script: Arabic, language: "ara"},
	"DZ": {agency: Agency{ID: "DZ-DGSN", Name: "Direction Générale de la Sûreté Nationale", LegalBasis: "Loi n° 18-07"}, name: "Algeria", script: Arabic, language: "ara"},
	"AL": {agency: Agency{ID: "AL-ASP", Name: "Albanian State Police", LegalBasis: "Ligji nr. 108/2014 për Policinë e Shtetit"}, name: "Albania", script: Latin, language: "sqi"},
	"GB": {agency: Agency{ID: "GB-NCA", Name: "National Crime Agency", LegalBasis: "Crime and Courts Act 2013"}, name: "United Kingdom", script: Latin, language: "eng"},
	"US": {agency: Agency{ID: "US-FBI", Name: "Federal Bureau of Investigation", LegalBasis: "28 U.S.C. § 533"}, name: "United States", script: Latin, language: "eng"},
}

// SupportedCountries returns the country codes [AgencyFor] knows, sorted.
func SupportedCountries() []string {
	out := make([]string, 0, len(countries))
	for c := range countries {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// AgencyFor returns the agency that holds country's share of a scenario.
// The mapping is fixed (see the table in the package documentation), so
// agency ids are the same in every scenario. country is an ISO 3166-1
// alpha-2 code in either case.
func AgencyFor(country string) (Agency, error) {
	c := strings.ToUpper(country)
	info, ok := countries[c]
	if !ok {
		return Agency{}, errs.E(errs.NotExist, "country", fmt.Sprintf("no agency for country %q", country))
	}
	a := info.agency
	a.Country = c
	return a, nil
}

// mustCountry returns the info of a country code from the table; the codes
// passed are constants or validated options, so a miss is a bug.
func mustCountry(code string) countryInfo {
	info, ok := countries[code]
	if !ok {
		panic("scenario: unknown country " + code)
	}
	info.agency.Country = code
	return info
}
