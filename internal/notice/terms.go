package notice

// Screening term lists.
//
// Each group holds the terms of one language and one category. A term is
// one or more words; a word ending in "*" matches any word with that prefix,
// and "a|b" lists alternatives (see fold.go for how matching works). Write
// terms as they appear in charge texts, accents, article and all: they are
// folded exactly as the texts are.
//
// The lists aim at what reviewers actually meet in red-notice requests that
// INTERPOL refused under Art. 3 and under the excluded-matters rules (RPD
// Art. 83): insulting the head of state or the monarch, unauthorised
// protests, opposition membership, desertion and draft evasion, apostasy and
// blasphemy, family and debt disputes, bounced cheques, administrative
// offences, conduct that only breaches cultural norms. A term is an
// indicator, not a verdict: the reviewer applies the predominance test.
//
// When adding a term, prefer phrases over single words whose meaning depends
// on context, and add a realistic charge text to the tests, together with a
// clean text that must not match. Known traps, avoided on purpose:
//   - "custody" alone ("escape from custody" is an ordinary offence);
//   - Arabic "خيانة" alone ("خيانة الأمانة", breach of trust, is ordinary);
//     only "الخيانة العظمى" (high treason) is listed;
//   - Arabic "دين" alone (both "religion" and "debt"), and "معارضة" alone
//     (also the legal remedy against a judgment in default);
//   - Russian "долг*" (would match "долгосрочный", long-term): the forms
//     of "долг" are listed one by one;
//   - German "unterhalt*" (would match "Unterhaltung", entertainment):
//     "unterhaltspflicht*" instead;
//   - German "Sodomie" means bestiality, not sodomy: not listed.

// termCategory is what kind of concern a term indicates.
type termCategory int

const (
	catPolitical termCategory = iota
	catMilitary
	catReligious
	catRacial
	catPrivate // private or family matters
	catDebt
	catAdministrative
	catCultural // behaviour that only breaches cultural norms
)

type termGroup struct {
	lang  string // ISO 639-1
	cat   termCategory
	terms []string
}

var termGroups = []termGroup{
	// ---- English ----
	{"en", catPolitical, []string{
		"insult*|offend*|affront*|defam*|disrespect* head state",
		"insult*|offend*|defam*|disrespect* president|king|queen|monarch|sovereign|emir|sultan|ruler",
		"lese majeste|majesty",
		"unauthori*|unsanctioned|unlawful|illegal|unpermitted|unregistered|unapproved protest|protests|demonstration|demonstrations|rally|rallies|assembly|gathering|march|picket",
		"participat*|organi* protest|protests|demonstration|demonstrations|rally|rallies|picket",
		"member*|belonging|support* opposition",
		"opposition party|parties|movement|group|leader|activist|activists|activities",
		"banned|outlawed|proscribed political",
		"sedition|seditious",
		"subversion|subversive",
		"subvert* state|government|regime",
		"treason",
		"espionage",
		"anti state|government|regime",
		"propaganda against",
		"undermin* state|government|constitutional|authority|authorities",
		"discredit* armed|army|military|authorities",
		"spread*|disseminat*|publish*|broadcast* false|fake news|information|rumours|rumors",
		"separatism|separatist|separatists",
		"extremism|extremist",
		"dissident|dissidents",
		"undesirable organi*",
		"foreign agent|agents",
	}},
	{"en", catMilitary, []string{
		"desertion|deserter|deserters",
		"desert|deserted|deserting army|military|armed|unit|post|ranks|forces",
		"draft|conscription evasion|dodging|avoidance|refusal",
		"evad*|evasion|dodg*|avoid*|refus* military|national|conscription|draft|mobili*",
		"refus* serve army|military|armed",
		"conscientious objector|objection",
		"absence|absent without leave",
		"awol",
		"mutiny",
		"insubordination",
	}},
	{"en", catReligious, []string{
		"apostasy|apostate|apostates",
		"blasphemy|blasphemous|blaspheming",
		"heresy|heretic|heretical",
		"insult*|offend*|defam*|desecrat*|defil* religion|religions|religious|islam|prophet|quran|koran|bible|god|sacred|faith|believers",
		"proselyti*|proselytism",
		"illegal|unauthori*|unlawful conversion|preaching|missionary|worship",
		"member*|belonging banned|prohibited|outlawed religious|sect|church",
	}},
	{"en", catRacial, []string{
		"belonging|membership ethnic|racial|tribal minority|group",
		"ethnic|racial|tribal origin|identity|background|affiliation",
	}},
	{"en", catPrivate, []string{
		"family|marital|matrimonial|inheritance|commercial|civil|private dispute|disputes|matter|matters|quarrel",
		"child|children|parental custody",
		"custody dispute|battle|rights",
		"divorce",
		"alimony",
		"non payment|nonpayment maintenance|support",
		"failure pay maintenance|alimony|support",
		"breach|breaching contract",
	}},
	{"en", catDebt, []string{
		"debt|debts",
		"unpaid|outstanding loan|loans|rent|bill|bills|invoice|invoices",
		"bounced|dishonoured|dishonored|uncovered|worthless cheque|cheques|check|checks",
		"default* loan|loans|payment|payments|credit",
	}},
	{"en", catAdministrative, []string{
		"administrative offence|offense|offences|offenses|violation|violations|infraction|infringement|breach",
		"traffic|parking violation|offence|offense|infraction|fine|fines",
		"overstay*",
		"immigration violation|offence|offense",
		"illegal stay|residence",
		"unpaid fine|fines",
	}},
	{"en", catCultural, []string{
		"adultery|adulterous|fornication",
		"homosexual*|sodomy|lesbian*",
		"same sex",
		"extramarital|premarital",
		"pre|extra marital",
		"indecent|immodest|improper dress|clothing|attire|hijab",
		"witchcraft|sorcery",
		"cross dressing",
		"crossdressing",
		"drink*|consum* alcohol",
		"public morals|morality",
	}},

	// ---- French ----
	{"fr", catPolitical, []string{
		"offense*|outrage*|injure*|insulte*|diffamation chef état",
		"offense*|outrage*|injure*|insulte*|diffamation président|roi|souverain|monarque",
		"lèse majesté",
		"manifestation|manifestations|rassemblement|rassemblements|attroupement non autorisé*|déclaré*",
		"manifestation|manifestations|rassemblement|rassemblements|attroupement interdit*|illicite*|illégal*",
		"participation|organisation manifestation|manifestations|rassemblement",
		"parti|partis|mouvement|groupe opposition",
		"sédition|séditieu*",
		"subversion|subversi*",
		"trahison",
		"espionnage",
		"séparatisme|séparatiste*",
		"extrémisme|extrémiste*",
		"atteinte sûreté état",
		"propagande contre",
		"fausse|fausses nouvelle|nouvelles|informations",
	}},
	{"fr", catMilitary, []string{
		"désertion|déserteur|déserteurs",
		"insoumission|insoumis",
		"objection|objecteur conscience",
		"service militaire",
		"obligations militaires",
		"mutinerie",
	}},
	{"fr", catReligious, []string{
		"apostasie|apostat*",
		"blasphème*|blasphématoire*",
		"hérésie|hérétique*",
		"prosélytisme",
		"outrage*|offense*|atteinte*|injure* religion|religieu*|prophète|coran|dieu|sacré*",
	}},
	{"fr", catRacial, []string{
		"appartenance|origine ethnique|raciale|tribale",
	}},
	{"fr", catPrivate, []string{
		"litige*|différend*|conflit*|dispute* familia*|conjuga*|successora*|commercia*|civil*|privé*",
		"garde enfant*",
		"droit garde",
		"non représentation enfant*",
		"abandon famille",
		"pension alimentaire",
		"divorce",
		"rupture|inexécution contrat",
	}},
	{"fr", catDebt, []string{
		"dette|dettes",
		"chèque|chèques sans provision",
		"impayé*",
		"non paiement",
	}},
	{"fr", catAdministrative, []string{
		"infraction*|contravention*|manquement* administrati*",
		"contravention|contraventions",
		"séjour irrégulier|illégal",
	}},
	{"fr", catCultural, []string{
		"adultère",
		"homosexualité|homosexuel*",
		"sodomie",
		"sorcellerie",
		"tenue|habillement indécent*",
		"bonnes mœurs",
	}},

	// ---- Spanish ----
	{"es", catPolitical, []string{
		"injuria*|ofensa*|insulto*|calumnia*|ultraje* jefe estado",
		"injuria*|ofensa*|insulto*|calumnia*|ultraje* presidente|rey|corona|monarca",
		"desacato",
		"ultraje* símbolos|bandera|himno",
		"manifestación|manifestaciones|reunión|concentración|protesta|protestas no autorizada*",
		"manifestación|manifestaciones|reunión|concentración|protesta|protestas ilegal*|ilícita*|prohibida*",
		"participación|organización manifestación|manifestaciones|protesta|protestas",
		"partido|movimiento opositor|oposición",
		"sedición|sedicios*",
		"rebelión",
		"traición",
		"espionaje",
		"subversión|subversiv*",
		"separatismo|separatista*",
		"extremismo|extremista*",
		"propaganda contra",
		"difusión|difundir|propagación noticias|información|informaciones falsa*",
	}},
	{"es", catMilitary, []string{
		"deserción",
		"desertor|desertores",
		"abandono destino",
		"insumisión|insumiso*",
		"objeción|objetor conciencia",
		"servicio militar",
	}},
	{"es", catReligious, []string{
		"apostasía",
		"blasfemia|blasfem*",
		"herejía|herético*|hereje*",
		"proselitismo",
		"ofensa*|escarnio|ultraje*|injuria* sentimientos|religión|religioso*|profeta|corán|dios",
	}},
	{"es", catRacial, []string{
		"pertenencia|origen étnic*|racial*|tribal*",
	}},
	{"es", catPrivate, []string{
		"disputa*|conflicto*|litigio*|controversia* familiar*|conyugal*|matrimonial*|sucesori*|herencia|comercial*|civil*|privad*",
		"custodia hijo*|hija*|menor*|niño*",
		"divorcio",
		"pensión alimenticia",
		"impago pensión|pensiones|alimentos|prestaciones",
		"incumplimiento contrato|contractual",
	}},
	{"es", catDebt, []string{
		"deuda|deudas|adeudo*",
		"impago|impagos|impagad*",
		"cheque*|talón|talones sin fondo|fondos",
	}},
	{"es", catAdministrative, []string{
		"infracción|infracciones|falta|faltas|sanción administrativ*",
		"infracción|infracciones tráfico",
		"estancia|permanencia irregular|ilegal",
	}},
	{"es", catCultural, []string{
		"adulterio",
		"homosexualidad|homosexual*",
		"sodomía",
		"brujería|hechicería",
		"vestimenta indecente|inapropiada",
		"escándalo público",
	}},

	// ---- Russian (Cyrillic, matched in native script) ----
	{"ru", catPolitical, []string{
		"оскорблен*|унижен*|клевет* президент*",
		"оскорблен*|клевет* глав* государств*",
		"несанкционирован* митинг*|акци*|шестви*|демонстрац*|публичн*|собран*",
		"участи*|организац*|проведени* митинг*|шестви*|демонстрац*|пикет*",
		"публичн* мероприяти*",
		"нарушени* порядк* организац*|проведени*",
		"оппозиц*",
		"экстремист*|экстремизм*",
		"сепаратизм*|сепаратист*",
		"государствен* измен*",
		"измен* родин*",
		"шпионаж*",
		"дискредитац*",
		"распространени* ложн* информац*|сведени*",
		"антигосударствен*|антиправительствен*",
		"свержени* власт*|строя",
		"нежелательн* организац*",
		"иностран* агент*",
	}},
	{"ru", catMilitary, []string{
		"дезертирств*|дезертир*",
		"самовольн* оставлени*",
		"уклонени* призыв*|мобилизац*|военн*",
		"неисполнени* приказ*",
	}},
	{"ru", catReligious, []string{
		"оскорблени* религиозн* чувств*",
		"чувств* верующ*",
		"богохульств*",
		"вероотступничеств*|отступничеств*",
		"миссионерск*",
		"свидетел* иегов*",
	}},
	{"ru", catRacial, []string{
		"расов*|этническ* принадлежност*|происхожден*",
	}},
	{"ru", catPrivate, []string{
		"семейн*|имуществен*|гражданск*|наследствен* спор*|конфликт*",
		"опек* ребенк*|детей",
		"алимент*",
		"развод*",
		"договорн* обязательств*",
	}},
	{"ru", catDebt, []string{
		"долг|долга|долгу|долгом|долге|долги|долгов|долгам|долгами|долгах",
		"задолженност*",
		"невозврат* кредит*|займ*",
	}},
	{"ru", catAdministrative, []string{
		"административн* правонарушени*|нарушени*|проступ*",
	}},
	{"ru", catCultural, []string{
		"мужеложств*",
		"гомосексуал*",
		"нетрадицион* сексуальн*",
		"лгбт",
		"прелюбодеяни*",
		"колдовств*",
	}},

	// ---- Arabic (matched in native script) ----
	// The article and its proclitics are folded away, so "التجنيد" also
	// matches "تجنيد" and "والتجنيد". A word that itself starts with ال
	// (form VIII verbal nouns such as التزام) is listed twice, bare and with
	// the article, because folding strips the first ال it meets.
	{"ar", catPolitical, []string{
		"إهانة|سب|قذف|إساءة|شتم الرئيس|رئيس|الملك|الأمير|السلطان",
		"العيب|المساس|إهانة|الإساءة الذات الملكية|ملكي*|الأميرية|أميري*|السلطانية|سلطاني*",
		"التظاهر|تظاهر*|مظاهر*|تجمهر*|تجمع*|مسير* بدون|دون ترخيص|تصريح",
		"التظاهر|تظاهر*|مظاهر*|تجمهر*|تجمع* غير مرخص*|مصرح*|قانوني*|مشروع*",
		"المشاركة|مشارك*|تنظيم المظاهرة|مظاهر*|تظاهر*|احتجاج*|اعتصام*",
		"الانتماء|انضمام الجماعة|جماع*|حزب*|تنظيم* المحظورة|محظور*",
		"حزب*|تيار*|جماع* المعارضة|معارض*",
		"الخيانة العظمى",
		"التجسس",
		"نشر|بث|إذاعة الأخبار|إشاعات|البيانات كاذب*",
		"قلب|تقويض نظام",
		"هيبة الدولة",
		"الانفصال|انفصالي*",
		"التطرف|متطرف*",
	}},
	{"ar", catMilitary, []string{
		"الفرار|الهروب|التهرب|التخلف الخدمة العسكرية",
		"الفرار|الهروب|التهرب|التخلف التجنيد|الجندية|الجيش",
		"العصيان",
		"التمرد عسكري*",
	}},
	{"ar", catReligious, []string{
		"الردة|الارتداد",
		"ازدراء|إهانة|سب|الإساءة|تدنيس|التطاول الأديان|الدين|الإسلام|النبي|الرسول|القرآن|المصحف|المقدسات|العقيدة|الشعائر",
		"سب|إهانة|الإساءة|المساس|ازدراء الذات الإلهية|الإلهي*",
		"التجديف",
		"التبشير",
		"الزندقة|الإلحاد",
	}},
	{"ar", catRacial, []string{
		"الانتماء العرقي*|إثني*|القبلي*|الطائفي*",
	}},
	{"ar", catPrivate, []string{
		"نزاع|خلاف|خلافات|نزاعات عائلي*|أسري*|زوجي*|تجاري*|مدني*|الميراث|الإرث",
		"الحضانة",
		"النفقة الزوجية|الأطفال|الأولاد|الشرعية",
		"عدم دفع|سداد النفقة",
		"الطلاق",
		"الإخلال|خرق العقد|عقود|التزامات|الالتزامات|التعاقدي*",
	}},
	{"ar", catDebt, []string{
		"الديون|المديونية",
		"عدم سداد|تسديد|دفع القرض|الدين|المستحقات",
		"شيك|شيكات بدون|دون رصيد",
	}},
	{"ar", catAdministrative, []string{
		"مخالفة|مخالفات إدارية|مرورية",
		"الإقامة غير شرعي*|قانوني*|مشروع*",
	}},
	{"ar", catCultural, []string{
		"الزنا",
		"اللواط",
		"الشذوذ الجنسي",
		"مثلي|مثلية|مثليين",
		"الخلوة",
		"ممارسة|تعاطي السحر|الشعوذة",
		"الشعوذة",
		"الإفطار العلني|رمضان",
		"شرب|تعاطي الخمر|الخمور|الكحول|مسكر*",
		"ملابس|لباس|زي فاضح*|محتشم*",
		"التشبه بالنساء|بالرجال",
	}},

	// ---- German (bonus) ----
	{"de", catPolitical, []string{
		"beleidigung|verunglimpfung|schmähung staatsoberhaupt*|bundespräsident*|präsident*|könig*",
		"majestätsbeleidigung",
		"unerlaubt*|unangemeldet*|verboten*|ungenehmigt* demonstration*|versammlung*|kundgebung*|protest*",
		"nicht genehmigt*|angemeldet* demonstration*|versammlung*|kundgebung*",
		"teilnahme|organisation demonstration*|kundgebung*|protest*",
		"oppositions*|oppositionell*",
		"hochverrat",
		"landesverrat",
		"spionage",
		"separatismus|separatist*",
		"extremismus|extremist*",
	}},
	{"de", catMilitary, []string{
		"fahnenflucht",
		"desertion|deserteur*",
		"wehrdienstentziehung|wehrdienstverweiger*|kriegsdienstverweiger*",
		"gehorsamsverweigerung",
		"meuterei",
		"eigenmächtig* abwesenheit",
	}},
	{"de", catReligious, []string{
		"gotteslästerung",
		"blasphemie",
		"apostasie",
		"glaubensabfall",
		"beschimpfung bekenntnis*|religion*",
	}},
	{"de", catRacial, []string{
		"ethnisch* zugehörigkeit|herkunft",
	}},
	{"de", catPrivate, []string{
		"familienstreit*",
		"sorgerecht*",
		"unterhaltspflicht*",
		"scheidung*",
		"erbstreit*",
		"zivilrechtlich*",
		"vertragsbruch|vertragsverletzung",
	}},
	{"de", catDebt, []string{
		"schulden",
		"ungedeckt* scheck*",
		"nichtzahlung|zahlungsverzug",
	}},
	{"de", catAdministrative, []string{
		"ordnungswidrigkeit*",
		"verwaltungsübertretung*",
		"verkehrsverstoß|verkehrsverstöße",
		"unerlaubt* aufenthalt*",
	}},
	{"de", catCultural, []string{
		"ehebruch",
		"homosexualität|homosexuell*",
		"hexerei|zauberei",
	}},

	// ---- Portuguese (bonus) ----
	{"pt", catPolitical, []string{
		"injúria*|ofensa*|ultraje*|difamação|calúnia* chefe estado",
		"injúria*|ofensa*|ultraje*|difamação|calúnia* presidente|rei",
		"manifestação|manifestações|protesto|protestos|reunião não autorizad*",
		"manifestação|manifestações|protesto|protestos|reunião ilegal*|proibid*",
		"partido|movimento oposição|opositor",
		"sedição",
		"traição",
		"espionagem",
		"subversão|subversiv*",
		"separatismo|separatista*",
		"extremismo|extremista*",
	}},
	{"pt", catMilitary, []string{
		"deserção",
		"desertor|desertores",
		"insubmissão",
		"objeção|objetor consciência",
		"serviço militar",
	}},
	{"pt", catReligious, []string{
		"apostasia",
		"blasfêmia|blasfémia|blasfem*",
		"heresia|herege*",
		"proselitismo",
		"ultraje*|ofensa*|injúria* religião|religios*|culto|profeta|alcorão|deus",
	}},
	{"pt", catRacial, []string{
		"origem|pertença étnic*|racial*|tribal*",
	}},
	{"pt", catPrivate, []string{
		"disputa*|litígio*|conflito* familiar*|conjugal*|comercial*|civil*|herança|partilha",
		"guarda filho*|filha*|menor*|criança*",
		"divórcio",
		"pensão alimentícia|alimentos",
		"incumprimento|descumprimento|violação contrato|contratual",
	}},
	{"pt", catDebt, []string{
		"dívida|dívidas",
		"cheque*|cheques sem fundo|fundos|cobertura|provisão",
	}},
	{"pt", catAdministrative, []string{
		"contraordenaç*|contravenç*",
		"infração|infrações|infracção administrativ*",
		"permanência|estadia ilegal|irregular",
	}},
	{"pt", catCultural, []string{
		"adultério",
		"homossexualidade|homossexual*",
		"sodomia",
		"feitiçaria|bruxaria",
	}},
}
