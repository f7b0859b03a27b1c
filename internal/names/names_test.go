package names

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"pgregory.net/rapid"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Jean-Pierre  DUPONT ", "jean pierre dupont"},
		{"François Hollande", "francois hollande"},
		{"Müller", "muller"},
		{"Straße", "strasse"},
		{"Søren Kierkegaard", "soren kierkegaard"},
		{"Lech Wałęsa", "lech walesa"},
		{"Æsir Œuvre", "aesir oeuvre"},
		{"O'Brien", "obrien"},
		{"Đinđić", "djindjic"},
		{"Ｍｏｈａｍｍｅｄ", "mohammed"}, // full-width
		// Russian, ICAO Doc 9303
		{"Сергей Иванов", "sergei ivanov"},
		{"Михаил Горбачёв", "mikhail gorbachev"},
		{"Юлия Щукина", "iuliia shchukina"},
		{"Хрущёв", "khrushchev"},
		{"Дмитрий Медведев", "dmitrii medvedev"},
		{"Подъячев", "podiachev"},
		// Ukrainian words read as Ukrainian
		{"Олександр Зінченко", "oleksandr zinchenko"},
		{"Григорій", "hryhorii"},
		{"Євгенія", "ievheniia"},
		// Bulgarian (read with Russian values for shared letters)
		{"Бойко Борисов", "boiko borisov"},
		// Serbian Cyrillic read as Serbian
		{"Војислав Шешељ", "vojislav seselj"},
		{"Александар Вучић", "aleksandar vucic"},
		{"Ђорђе", "djordje"},
		// Greek, ELOT 743
		{"Γεώργιος Παπαδόπουλος", "georgios papadopoulos"},
		{"Ευάγγελος Βενιζέλος", "evangelos venizelos"},
		{"Μπακογιάννη", "bakogianni"},
		{"Ντόρα", "dora"},
		// Arabic
		{"محمد", "mhmd"},
		{"مُحَمَّد", "muhamad"},
		{"بشار الأسد", "bshar asd"},
		{"يوسف", "yusf"},
		{"فاطمة", "fatma"},
		{"٢٠٢٤", "2024"},
		// Persian
		{"پژمان", "pzhman"},
		// other scripts are kept
		{"习近平", "习近平"},
		{"", ""},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSkeletonFallsTogether(t *testing.T) {
	groups := []struct {
		want  string
		names []string
	}{
		{"srgi avnv", []string{"Сергей Иванов", "Sergei Ivanov", "Sergey Ivanov", "Serguei Ivanoff", "Sergej Iwanow", "SERGEY IVANOV"}},
		{"mlr", []string{"Müller", "Mueller", "Muller", "MÜLLER"}},
		{"mhmd", []string{"Mohammed", "Muhammad", "Mohamed", "Mohamad", "Muhamed", "محمد", "مُحَمَّد"}},
		{"ahmd", []string{"Ahmed", "Ahmad", "أحمد"}},
		{"asma bn ldn", []string{"Osama bin Laden", "Usama bin Ladin", "أسامة بن لادن"}},
		{"asf", []string{"Yusuf", "Youssef", "Yousef", "يوسف"}},
		{"amr", []string{"Omar", "Umar", "Омар", "عمر"}},
		{"hld", []string{"Khaled", "Khalid", "Haled", "خالد"}},
		{"bshr asd", []string{"Bashar al-Assad", "Bashar Assad", "Baschar al-Assad", "بشار الأسد"}},
		{"grgs pdpls", []string{"Γεώργιος Παπαδόπουλος", "Georgios Papadopoulos"}},
		{"vjslv slj", []string{"Vojislav Šešelj", "Војислав Шешељ", "Vojislav Seselj"}},
		{"grbchv", []string{"Gorbachev", "Gorbatschow", "Горбачёв", "Gorbachov"}},
		{"shmt", []string{"Schmidt", "Schmitt", "Shmidt"}},
		{"alksndr", []string{"Александр", "Aleksandr", "Alexander", "Олександр"}},
		{"akvlv", []string{"Yakovlev", "Iakovlev", "Яковлев"}},
		{"jse ls grsa mrkz", []string{"José Luis García Márquez", "Jose Luis Garcia-Marquez", "José Luis García y Márquez"}},
		{"ftma", []string{"Fatima", "Fatimah", "Fatma", "فاطمة"}},
		{"abdla", []string{"Abdullah", "Abdulla", "Абдулла"}},
		{"frnks", []string{"François", "Francois"}},
		{"shrdr grhrd", []string{"Schröder Gerhard", "Schroeder Gerhard", "SCHRODER Gerhard"}},
		{"hlne lfvre", []string{"Hélène Lefèvre", "Helene Lefevre", "HÉLÈNE LEFÈVRE"}},
		{"mrtn prz", []string{"Martín Pérez", "Martin Perez"}},
	}
	for _, g := range groups {
		for _, n := range g.names {
			if got := Skeleton(n); got != g.want {
				t.Errorf("Skeleton(%q) = %q, want %q", n, got, g.want)
			}
		}
	}
}

func TestSkeletonKeepsApart(t *testing.T) {
	pairs := [][2]string{
		{"Ivanov", "Ivanova"}, // male and female surname
		{"Maria", "Mario"},
		{"Sergei", "Serhii"}, // Russian and Ukrainian forms are different names
		{"Mohammed", "Mehmet"},
		{"Jakowlew", "Yakovlev"},
		{"Petrov", "Petrenko"},
	}
	for _, p := range pairs {
		if Skeleton(p[0]) == Skeleton(p[1]) {
			t.Errorf("Skeleton(%q) = Skeleton(%q) = %q", p[0], p[1], Skeleton(p[0]))
		}
	}
}

func TestTokens(t *testing.T) {
	got := Tokens("GARCÍA MÁRQUEZ, José Luis  garcia")
	want := []string{"garcia", "jose", "luis", "marquez"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
	if !slices.Equal(Tokens("IVANOV Sergei"), Tokens("Сергей Иванов")) {
		t.Errorf("token order or script matters: %q vs %q", Tokens("IVANOV Sergei"), Tokens("Сергей Иванов"))
	}
	if len(Tokens("  ")) != 0 {
		t.Error("blank name has tokens")
	}
}

func TestMatchKeys(t *testing.T) {
	keys := MatchKeys("Сергей Иванов", "1970/05/01")
	want := []Key{
		{KindNameDOB, Strong, "name-dob|v1|avnv srgi|1970-05-01"},
		{KindPhoneticYear, Weak, "phonetic-year|v1|AFNF SRJ|1970"},
		{KindTokensDOB, Strong, "tokens-dob|v1|ivanov sergei|1970-05-01"},
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("MatchKeys = %v\nwant %v", keys, want)
	}
	// Spelling variants and word order share the strong name-dob key.
	for _, n := range []string{"IVANOFF Serguei", "Sergey Ivanov", "Sergej Iwanow"} {
		k := MatchKeys(n, "1970-05-01")
		if k[0] != want[0] || k[1] != want[1] {
			t.Errorf("%q: %v", n, k)
		}
	}
	// A different day keeps only the weak key in common.
	other := MatchKeys("Sergei Ivanov", "1970-05-02")
	if other[0] == keys[0] || other[1] != keys[1] || other[2] == keys[2] {
		t.Errorf("other day: %v", other)
	}
	// Partial dates give only the weak key; no date or no name, nothing.
	if k := MatchKeys("Sergei Ivanov", "1970-05"); len(k) != 1 || k[0].Kind != KindPhoneticYear || k[0].Value != want[1].Value {
		t.Errorf("partial date: %v", k)
	}
	for _, c := range [][2]string{{"Sergei Ivanov", ""}, {"Sergei Ivanov", "unknown"}, {"", "1970-05-01"}, {"---", "1970-05-01"}} {
		if k := MatchKeys(c[0], c[1]); k != nil {
			t.Errorf("MatchKeys(%q, %q) = %v, want nil", c[0], c[1], k)
		}
	}
	if Weak.String() != "weak" || Strong.String() != "strong" {
		t.Error("Strength names")
	}
}

func TestBoundedInput(t *testing.T) {
	long := strings.Repeat("é", MaxNameLen) // 2 bytes each: cut in the middle
	f := Fold(long)
	if !utf8.ValidString(f) || len(f) > MaxNameLen {
		t.Errorf("Fold of long input: %d bytes, valid %v", len(f), utf8.ValidString(f))
	}
}

// nameChars generates name-like text across the scripts Fold handles.
var nameChars = rapid.SampledFrom([]rune(
	"abcdefghijklmnopqrstuvwxyzäöüßéèêçñåøæœłšžčćđ'- " +
		"абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґђћџљњј" +
		"αβγδεζηθικλμνξοπρστυφχψωάέήίόύώς" +
		"ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآءَُِّ"))

func TestFoldProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := string(rapid.SliceOfN(nameChars, 0, 40).Draw(t, "name"))
		f := Fold(s)
		if Fold(f) != f {
			t.Fatalf("Fold not idempotent: %q → %q → %q", s, f, Fold(f))
		}
		if got := Fold(strings.ToUpper(s)); got != f {
			t.Fatalf("case matters: Fold(%q) = %q, Fold(upper) = %q", s, f, got)
		}
		if got := Fold(norm.NFD.String(s)); got != f {
			t.Fatalf("normal form matters: %q vs %q", f, got)
		}
		if strings.ContainsFunc(f, func(r rune) bool { return unicode.IsUpper(r) || unicode.IsPunct(r) || unicode.IsMark(r) }) {
			t.Fatalf("Fold(%q) = %q keeps upper case, punctuation or marks", s, f)
		}
	})
}

// Adding diacritics to Latin letters never changes Fold or Skeleton.
func TestDiacriticInvariance(t *testing.T) {
	marks := []rune{'\u0301', '\u0300', '\u0308', '\u030c', '\u0327', '\u0303', '\u0302', '\u030a'}
	rapid.Check(t, func(t *rapid.T) {
		base := rapid.StringMatching(`[a-z]{1,12}( [a-z]{1,12}){0,3}`).Draw(t, "name")
		var b strings.Builder
		for _, r := range base {
			b.WriteRune(r)
			if r != ' ' && rapid.Bool().Draw(t, "mark?") {
				b.WriteRune(rapid.SampledFrom(marks).Draw(t, "mark"))
			}
		}
		accented := norm.NFC.String(b.String())
		if Fold(accented) != Fold(base) || Skeleton(accented) != Skeleton(base) {
			t.Fatalf("%q vs %q: fold %q/%q skeleton %q/%q", accented, base, Fold(accented), Fold(base), Skeleton(accented), Skeleton(base))
		}
	})
}
