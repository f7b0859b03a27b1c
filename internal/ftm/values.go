package ftm

// The value lists of FtM 3.8's enumerated types. Values outside them fail the
// FtM reference model, so the normalisers refuse them; TestValueListsMatchFtM
// keeps them in step with model.json.

// topics are the FtM 3.8 topic codes.
var topics = setOf(
	"asset.frozen", "corp.disqual", "corp.offshore", "corp.public", "corp.shell", "crime",
	"crime.boss", "crime.cyber", "crime.env", "crime.fin", "crime.fraud", "crime.terror",
	"crime.theft", "crime.traffick", "crime.traffick.drug", "crime.traffick.human", "crime.war",
	"debarment", "export.control", "export.risk", "fin", "fin.adivsor", "fin.bank", "fin.fund",
	"forced.labor", "gov", "gov.admin", "gov.executive", "gov.financial", "gov.head", "gov.igo",
	"gov.judicial", "gov.legislative", "gov.muni", "gov.national", "gov.security", "gov.soe",
	"gov.state", "mil", "poi", "pol.party", "pol.union", "reg.action", "reg.warn", "rel", "role.acct",
	"role.act", "role.civil", "role.diplo", "role.journo", "role.judge", "role.lawyer", "role.lobby",
	"role.oligarch", "role.pep", "role.pol", "role.rca", "role.spy", "sanction", "sanction.counter",
	"sanction.linked", "wanted",
)

// languages are the ISO 639-2/T codes FtM 3.8 knows.
var languages = setOf(
	"afr", "ara", "aze", "bel", "ben", "bos", "bul", "cat", "ces", "cnr", "dan", "deu", "ell", "eng",
	"est", "fas", "fil", "fin", "fra", "heb", "hin", "hrv", "hun", "hye", "ind", "isl", "ita", "jpn",
	"kan", "kat", "kaz", "khm", "kir", "kor", "lav", "lit", "ltz", "mkd", "mlt", "mon", "msa", "mya",
	"nep", "nld", "nor", "pol", "por", "ron", "rus", "slk", "slv", "spa", "sqi", "srp", "swa", "swe",
	"tgk", "tgl", "tuk", "tur", "ukr", "urd", "uzb", "zho",
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
