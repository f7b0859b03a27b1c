package noticesvc

import (
	"slices"
	"strings"
)

// Regions maps the region names a distribution may name to ISO 3166-1
// alpha-2 country codes. A region reaches the active partners whose
// partner card names one of its countries. Regions overlap (Cyprus is in
// "eu", "europe" and "asia"); the lists follow these sources:
//
//   - eu: the 27 member states of the European Union (Greece as GR);
//   - schengen: the 29 states of the Schengen area since 1 January 2025;
//   - europe, africa, americas, asia, oceania: the UN M49 geographic
//     regions, with Kosovo (XK) in europe and Cyprus in europe and asia;
//   - mena: the World Bank's Middle East and North Africa.
var Regions = map[string][]string{
	"eu":       split(`AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK`),
	"schengen": split(`AT BE BG CH CZ DE DK EE ES FI FR GR HR HU IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK`),
	"europe": split(`AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV
		MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK`),
	"africa": split(`AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU
		MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW`),
	"americas": split(`AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GT GY HN HT JM KN KY
		LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI`),
	"asia": split(`AE AF AM AZ BD BH BN BT CN CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY
		NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE`),
	"oceania": split(`AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV VU WF WS`),
	"mena":    split(`AE BH DJ DZ EG IL IQ IR JO KW LB LY MA MT OM PS QA SA SY TN YE`),
}

func split(s string) []string { return strings.Fields(s) }

// RegionNames lists the region names in order.
func RegionNames() []string {
	out := make([]string, 0, len(Regions))
	for r := range Regions {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// inRegion reports whether country lies in region (names are case-insensitive).
func inRegion(region, country string) bool {
	return slices.Contains(Regions[strings.ToLower(region)], strings.ToUpper(country))
}
