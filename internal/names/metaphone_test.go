package names

import "testing"

// TestPhoneticVectors checks the Double Metaphone port against primary
// codes published with the reference implementation and its Apache
// Commons Codec port (maximum length 4).
func TestPhoneticVectors(t *testing.T) {
	vectors := map[string]string{
		"Allerton": "ALRT", "Acton": "AKTN", "Adams": "ATMS", "Aggar": "AKR", "Ahl": "AL",
		"Aiken": "AKN", "Alan": "ALN", "Alcock": "ALKK", "Alden": "ALTN", "Aldham": "ALTM",
		"Allen": "ALN", "Alsop": "ALSP", "Alwein": "ALN", "Ambler": "AMPL", "Andevill": "ANTF",
		"Andrews": "ANTR", "Andreyco": "ANTR", "Andriesse": "ANTR", "Angier": "ANJ", "Annabel": "ANPL",
		"Anne": "AN", "Anstye": "ANST", "Appling": "APLN", "Apuke": "APK", "Arnold": "ARNL",
		"Ashby": "AXP", "Astwood": "ASTT", "Atkinson": "ATKN", "Audley": "ATL", "Austin": "ASTN",
		"Avenal": "AFNL", "Ayer": "AR", "Ayot": "AT", "Babbitt": "PPT", "Bachelor": "PXLR",
		"Bailey": "PL", "Baker": "PKR", "Baldwin": "PLTN", "Barber": "PRPR", "Barker": "PRKR",
		"Barlow": "PRL", "Barnard": "PRNR", "Barnes": "PRNS", "Basset": "PST", "Bates": "PTS",
		"Beale": "PL", "Beauchamp": "PXMP", "Beauclerc": "PKLR",
		"Smith": "SM0", "Schmidt": "XMT", "Thompson": "TMPS", "Jose": "HS", "Caesar": "SSR",
		"Michael": "MKL", "Chianti": "KNT", "Arnoff": "ARNF", "Arnow": "ARN", "Edge": "AJ",
		"Edgar": "ATKR", "Dumb": "TM", "Campbell": "KMPL", "Raspberry": "RSPR", "Zhao": "J",
		"Laugh": "LF", "Hugh": "H", "Gough": "KF", "Xavier": "SF", "Wasserman": "ASRM",
		"Vasserman": "FSRM", "Filipowicz": "FLPT", "Tagliaro": "TKLR", "Bacchus": "PKS",
		"Accident": "AKST", "Focaccia": "FKX", "McClelland": "MKLL", "Czerny": "SRN",
		"Thumb": "0M", "Thomas": "TMS", "Island": "ALNT", "Sugar": "XKR", "School": "SKL",
		"Schenker": "XNKR", "Breaux": "PR", "Knight": "NT", "Wright": "RT", "Psychology": "SXLJ",
	}
	for in, want := range vectors {
		if got := Phonetic(in); got != want {
			t.Errorf("Phonetic(%q) = %q, want %q", in, got, want)
		}
	}
}
