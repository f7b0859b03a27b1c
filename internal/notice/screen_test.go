package notice

import (
	"slices"
	"strings"
	"testing"
)

// flagged screens a yellow notice (so excluded matters warn rather than
// block and no red rules apply) whose only charge is text, and returns the
// codes raised.
func flagged(text string) []Code {
	n := Notice{Type: Yellow, Name: "DOE", Charges: []Charge{{Text: text}}}
	var codes []Code
	for _, f := range Screen(n, nil) {
		codes = append(codes, f.Code)
	}
	return codes
}

func TestScreenTermsByLanguage(t *testing.T) {
	tests := []struct {
		lang, text string
		want       Code
	}{
		// English
		{"en", "Insulting the Head of State by publishing a poem online", Art3Political},
		{"en", "Insult to the head of the State", Art3Political},
		{"en", "Participation in an unauthorised protest in front of parliament", Art3Political},
		{"en", "Organising an unsanctioned rally", Art3Political},
		{"en", "Membership of an opposition party", Art3Political},
		{"en", "Spreading false news harmful to the state", Art3Political},
		{"en", "Desertion from the armed forces in time of war", Art3Military},
		{"en", "Deserted from the army unit in 2019", Art3Military},
		{"en", "Evading military service", Art3Military},
		{"en", "Apostasy", Art3Religious},
		{"en", "Blasphemy against the Prophet", Art3Religious},
		{"en", "Insulting religious feelings of believers", Art3Religious},
		{"en", "Failure to pay a family debt after a family dispute", ExclPrivate},
		{"en", "Issuing a bounced cheque", ExclDebt},
		{"en", "Administrative offence: unpaid parking fines", ExclAdmin},
		{"en", "Adultery", ExclCultural},
		// French
		{"fr", "Offense au chef de l'État", Art3Political},
		{"fr", "Participation à une manifestation non autorisée", Art3Political},
		{"fr", "Appartenance à un parti d'opposition", Art3Political},
		{"fr", "Désertion à l'étranger", Art3Military},
		{"fr", "Blasphème et outrage à la religion", Art3Religious},
		{"fr", "Apostasie", Art3Religious},
		{"fr", "Émission de chèque sans provision", ExclDebt},
		{"fr", "Non-représentation d'enfant dans le cadre d'un litige familial", ExclPrivate},
		{"fr", "Adultère", ExclCultural},
		// Spanish
		{"es", "Injurias al Jefe del Estado", Art3Political},
		{"es", "Participación en una manifestación no autorizada", Art3Political},
		{"es", "Militancia en un partido de la oposición", Art3Political},
		{"es", "Deserción", Art3Military},
		{"es", "Apostasía", Art3Religious},
		{"es", "Ofensa a los sentimientos religiosos", Art3Religious},
		{"es", "Libramiento de cheque sin fondos", ExclDebt},
		{"es", "Infracción administrativa", ExclAdmin},
		// Russian
		{"ru", "Оскорбление главы государства", Art3Political},
		{"ru", "Оскорбление Президента Российской Федерации", Art3Political},
		{"ru", "Участие в несанкционированном митинге", Art3Political},
		{"ru", "Неоднократное нарушение установленного порядка организации либо проведения собрания", Art3Political},
		{"ru", "Публичные действия, направленные на дискредитацию Вооружённых Сил", Art3Political},
		{"ru", "Дезертирство", Art3Military},
		{"ru", "Уклонение от призыва на военную службу", Art3Military},
		{"ru", "Оскорбление религиозных чувств верующих", Art3Religious},
		{"ru", "Неуплата средств на содержание детей (алименты)", ExclPrivate},
		{"ru", "Невозврат кредита", ExclDebt},
		{"ru", "Административное правонарушение", ExclAdmin},
		// Arabic
		{"ar", "إهانة رئيس الدولة", Art3Political},
		{"ar", "العيب في الذات الأميرية", Art3Political},
		{"ar", "التظاهر بدون ترخيص", Art3Political},
		{"ar", "الانتماء إلى جماعة محظورة", Art3Political},
		{"ar", "نشر أخبار كاذبة", Art3Political},
		{"ar", "الفرار من الخدمة العسكرية", Art3Military},
		{"ar", "التهرب من التجنيد", Art3Military},
		{"ar", "الرِّدَّة", Art3Religious},
		{"ar", "ازدراء الأديان", Art3Religious},
		{"ar", "سب الذات الإلهية", Art3Religious},
		{"ar", "الإلحاد", Art3Religious},
		{"ar", "إصدار شيك بدون رصيد", ExclDebt},
		{"ar", "نزاع عائلي على الحضانة", ExclPrivate},
		{"ar", "الإخلال بالالتزامات التعاقدية", ExclPrivate},
		{"ar", "الزنا", ExclCultural},
		// German
		{"de", "Beleidigung des Staatsoberhauptes", Art3Political},
		{"de", "Teilnahme an einer nicht genehmigten Demonstration", Art3Political},
		{"de", "Fahnenflucht", Art3Military},
		{"de", "Gotteslästerung", Art3Religious},
		{"de", "Verletzung der Unterhaltspflicht", ExclPrivate},
		{"de", "Ordnungswidrigkeit", ExclAdmin},
		// Portuguese
		{"pt", "Injúria ao Chefe de Estado", Art3Political},
		{"pt", "Manifestação não autorizada", Art3Political},
		{"pt", "Deserção", Art3Military},
		{"pt", "Blasfêmia", Art3Religious},
		{"pt", "Emissão de cheque sem fundos", ExclDebt},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.text, func(t *testing.T) {
			got := flagged(tt.text)
			if !slices.Contains(got, tt.want) {
				t.Errorf("flags = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestScreenCleanCharges(t *testing.T) {
	clean := []string{
		"Drug trafficking", "Homicide", "Fraud", "Armed robbery", "Money laundering",
		"Trafficking in human beings for sexual exploitation", "Murder of a police officer",
		"Theft of a dessert trolley from a restaurant", // dessert is not desertion
		"Smuggling migrants across the desert border",  // desert, not desertion
		"Arson of a Protestant church",                 // protestant is not protest
		"Escape from custody after arrest for robbery", // custody alone is not a family matter
		"Participation in a criminal organisation",     // not a protest
		"Kidnapping for ransom", "Rape of a minor", "Corruption of a public official",
		"Trafic de stupéfiants", "Homicide volontaire", "Escroquerie en bande organisée", "Vol à main armée",
		"Tráfico de drogas", "Homicidio", "Estafa", "Robo con violencia",
		"Незаконный оборот наркотиков", "Убийство", "Мошенничество в особо крупном размере", "Кража",
		"Долгосрочное мошенничество с использованием подставных компаний", // долгосрочное is not долг
		"Организация преступного сообщества",                              // organised crime, not a rally
		"الاتجار بالمخدرات", "القتل العمد", "الاحتيال", "غسل الأموال",
		"خيانة الأمانة",       // breach of trust, not treason
		"الاعتداء بأداة حادة", // assault with a sharp tool: حادة is not إلحاد
		"Drogenhandel", "Mord", "Betrug", "Bandendiebstahl",
		"Tráfico de estupefacientes", "Homicídio qualificado", "Burla",
	}
	for _, text := range clean {
		if got := flagged(text); len(got) > 0 {
			t.Errorf("%q: flags = %v, want none", text, got)
		}
	}
}

func TestScreenEvidence(t *testing.T) {
	n := Notice{Type: Red, Name: "DOE", Charges: []Charge{
		{Text: "Fraud", MaxPenaltyMonths: 60},
		{Text: "Оскорбление главы государства", Translation: "Insulting the head of state", MaxPenaltyMonths: 36},
	}, ExtraditionWillBeSought: true}
	flags := Screen(n, nil)
	var art3 []Flag
	for _, f := range flags {
		if f.Code == Art3Political {
			art3 = append(art3, f)
		}
	}
	if len(art3) != 2 {
		t.Fatalf("want one political flag per language, got %+v", flags)
	}
	ru := art3[0]
	if ru.Severity != Block || ru.Evidence.Lang != "ru" || ru.Evidence.Field != "charges[1].text" || ru.Evidence.Match != "Оскорбление главы государства" {
		t.Errorf("russian flag = %+v", ru)
	}
	en := art3[1]
	if en.Evidence.Lang != "en" || en.Evidence.Field != "charges[1].translation" || en.Evidence.Match != "Insulting the head of state" {
		t.Errorf("english flag = %+v", en)
	}
	if !strings.Contains(en.Explanation, "predominance") || !strings.Contains(en.Explanation, "Art. 3") {
		t.Errorf("explanation does not explain: %q", en.Explanation)
	}
}

func TestScreenRedRules(t *testing.T) {
	base := Notice{Type: Red, Name: "DOE", DateOfBirth: PartialDate{Year: 1980}, ExtraditionWillBeSought: true}
	codes := func(n Notice, existing func(SubjectKey) bool) map[Code]Severity {
		m := map[Code]Severity{}
		for _, f := range Screen(n, existing) {
			m[f.Code] = f.Severity
		}
		return m
	}
	tests := []struct {
		name    string
		edit    func(*Notice)
		want    map[Code]Severity
		notWant []Code
	}{
		{"penalty meets threshold", func(n *Notice) { n.Charges = []Charge{{Text: "Fraud", MaxPenaltyMonths: 24}} }, map[Code]Severity{}, []Code{RedThreshold}},
		{"sentence left meets threshold", func(n *Notice) {
			n.Charges = []Charge{{Text: "Fraud", MaxPenaltyMonths: 12, SentenceRemainingMonths: 6}}
		}, map[Code]Severity{}, []Code{RedThreshold}},
		{"below both thresholds", func(n *Notice) {
			n.Charges = []Charge{{Text: "Fraud", MaxPenaltyMonths: 23, SentenceRemainingMonths: 5}}
		}, map[Code]Severity{RedThreshold: Block}, nil},
		{"penalty not stated", func(n *Notice) { n.Charges = []Charge{{Text: "Fraud"}} }, map[Code]Severity{RedThreshold: Block}, nil},
		{"no charges", func(n *Notice) {}, map[Code]Severity{RedThreshold: Block}, nil},
		{"no extradition assurance", func(n *Notice) {
			n.Charges = []Charge{{Text: "Fraud", MaxPenaltyMonths: 60}}
			n.ExtraditionWillBeSought = false
		}, map[Code]Severity{RedExtradition: Block}, nil},
		{"refugee blocks red", func(n *Notice) {
			n.Charges = []Charge{{Text: "Fraud", MaxPenaltyMonths: 60}}
			n.RefugeeStatus = true
		}, map[Code]Severity{RefugeeStatus: Block}, nil},
		{"excluded matter blocks red", func(n *Notice) { n.Charges = []Charge{{Text: "Bounced cheque", MaxPenaltyMonths: 36}} }, map[Code]Severity{ExclDebt: Block}, nil},
		{"refugee warns for yellow", func(n *Notice) { n.Type = Yellow; n.RefugeeStatus = true }, map[Code]Severity{RefugeeStatus: Warn}, []Code{RedThreshold, RedExtradition}},
		{"excluded matter warns for yellow", func(n *Notice) { n.Type = Yellow; n.Facts = "Child taken abroad during a custody dispute" }, map[Code]Severity{ExclPrivate: Warn}, nil},
		{"art3 blocks every type", func(n *Notice) { n.Type = Blue; n.Facts = "Organised an unauthorised demonstration" }, map[Code]Severity{Art3Political: Block}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := base
			tt.edit(&n)
			got := codes(n, nil)
			for c, sev := range tt.want {
				if got[c] != sev {
					t.Errorf("%s: severity %q, want %q (all: %v)", c, got[c], sev, got)
				}
			}
			for _, c := range tt.notWant {
				if _, ok := got[c]; ok {
					t.Errorf("unexpected flag %s (all: %v)", c, got)
				}
			}
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("flags = %v, want none", got)
			}
		})
	}

	t.Run("duplicate subject", func(t *testing.T) {
		n := base
		n.Forename, n.Name = "José", "García Pérez"
		n.Charges = []Charge{{Text: "Fraud", MaxPenaltyMonths: 60}}
		var asked SubjectKey
		got := codes(n, func(k SubjectKey) bool { asked = k; return true })
		if got[DuplicateSubj] != Warn {
			t.Errorf("duplicate flag missing: %v", got)
		}
		if asked != "grsa jse prz|1980" {
			t.Errorf("subject key = %q", asked)
		}
		if (Screener{}).SubjectKey(Notice{Forename: "JOSE", Name: "PEREZ  GARCIA", DateOfBirth: PartialDate{Year: 1980}}) != asked {
			t.Error("the same subject written differently gets another key")
		}
		cyr := Screener{}.SubjectKey(Notice{Forename: "Сергей", Name: "Иванов", DateOfBirth: PartialDate{Year: 1980}})
		if lat := (Screener{}).SubjectKey(Notice{Forename: "Sergei", Name: "IVANOFF", DateOfBirth: PartialDate{Year: 1980}}); cyr != lat || cyr == "" {
			t.Errorf("transliterations get different keys: %q, %q", cyr, lat)
		}
		custom := Screener{NameKey: func(f, n string) string { return "k" }}
		if custom.SubjectKey(n) != "k|1980" {
			t.Error("NameKey is not used")
		}
	})
}

func TestScreenBlockingFirstAndDeduplicated(t *testing.T) {
	n := Notice{Type: Green, Name: "DOE", Facts: "Adultery", Charges: []Charge{
		{Text: "Apostasy", Translation: "apostasy"},
	}}
	flags := Screen(n, nil)
	if len(flags) != 2 || flags[0].Code != Art3Religious || flags[1].Code != ExclCultural {
		t.Fatalf("flags = %+v", flags)
	}
}

func TestTermsCompile(t *testing.T) {
	langs := map[string]bool{}
	for _, g := range termGroups {
		langs[g.lang] = true
		for _, term := range g.terms {
			compileTerm(term) // panics on a malformed term
		}
	}
	for _, l := range []string{"en", "fr", "es", "ru", "ar", "de", "pt"} {
		if !langs[l] {
			t.Errorf("no terms for %s", l)
		}
		if langNames[l] == "" {
			t.Errorf("no name for %s", l)
		}
	}
}

func TestFoldWord(t *testing.T) {
	tests := map[string]string{
		"Lèse-Majesté": "lese", // one word at a time: the hyphen splits
		"MAJESTÄT":     "majestat",
		"Straße":       "strasse",
		"Вооружённых":  "вооруженных",
		"Уклонений":    "уклонении",
		"الإلحاد":      "الحاد",
		"إلحاد":        "الحاد",
		"والتجنيد":     "تجنيد",
		"للرسول":       "رسول",
		"الرِّدَّة":    "رده",
		"مـسـلـم":      "مسلم",
		"İSTANBUL":     "istanbul",
	}
	for in, want := range tests {
		toks := tokenize(in)
		if len(toks) == 0 || toks[0].folded != want {
			t.Errorf("tokenize(%q)[0] = %+v, want %q", in, toks, want)
		}
	}
}

func FuzzScreen(f *testing.F) {
	f.Add("Insulting the head of state", "Оскорбление главы государства")
	f.Add("التظاهر بدون ترخيص", "")
	f.Add("\xff\xfe", "a|b*")
	f.Fuzz(func(t *testing.T, text, translation string) {
		n := Notice{Type: Red, Name: "X", Charges: []Charge{{Text: text, Translation: translation}}, Facts: text}
		for _, fl := range Screen(n, func(SubjectKey) bool { return false }) {
			if fl.Code == "" || fl.Explanation == "" || (fl.Severity != Block && fl.Severity != Warn) {
				t.Fatalf("malformed flag %+v", fl)
			}
		}
	})
}
