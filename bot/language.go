package bot

import (
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
)

// Language is a language a message may be written in, and how the bot says, in it,
// that it only answers in English.
type Language struct {
	Name   string // in English: "Spanish"
	Notice string // one short sentence in the language itself
}

// The languages recognised by their function words (Latin script) or their script.
var (
	spanish    = Language{"Spanish", "Por ahora solo respondo en inglés: ¿puedes escribir tu pregunta en inglés?"}
	portuguese = Language{"Portuguese", "Por enquanto só respondo em inglês: pode escrever a sua pergunta em inglês?"}
	french     = Language{"French", "Pour l'instant je ne réponds qu'en anglais : pouvez-vous poser votre question en anglais ?"}
	german     = Language{"German", "Ich antworte vorerst nur auf Englisch: Kannst du deine Frage auf Englisch stellen?"}
	italian    = Language{"Italian", "Per ora rispondo solo in inglese: puoi scrivere la tua domanda in inglese?"}
	dutch      = Language{"Dutch", "Ik antwoord voorlopig alleen in het Engels: kun je je vraag in het Engels stellen?"}
	polish     = Language{"Polish", "Na razie odpowiadam tylko po angielsku: czy możesz zadać pytanie po angielsku?"}
	turkish    = Language{"Turkish", "Şimdilik yalnızca İngilizce yanıt veriyorum: sorunu İngilizce yazabilir misin?"}
	russian    = Language{"Russian", "Пока я отвечаю только на английском: напишите, пожалуйста, вопрос по-английски."}
	ukrainian  = Language{"Ukrainian", "Поки що я відповідаю лише англійською: напишіть, будь ласка, запитання англійською."}
	greek      = Language{"Greek", "Προς το παρόν απαντώ μόνο στα αγγλικά: μπορείτε να γράψετε την ερώτησή σας στα αγγλικά;"}
	arabic     = Language{"Arabic", "أجيب حاليًا باللغة الإنجليزية فقط: هل يمكنك كتابة سؤالك بالإنجليزية؟"}
	hebrew     = Language{"Hebrew", "כרגע אני עונה רק באנגלית: אפשר לכתוב את השאלה באנגלית?"}
	hindi      = Language{"Hindi", "अभी मैं केवल अंग्रेज़ी में उत्तर देता हूँ: कृपया अपना प्रश्न अंग्रेज़ी में लिखें।"}
	thai       = Language{"Thai", "ตอนนี้ฉันตอบได้เฉพาะภาษาอังกฤษ: ช่วยพิมพ์คำถามเป็นภาษาอังกฤษได้ไหม"}
	chinese    = Language{"Chinese", "目前我只能用英文回答：请用英文提问。"}
	japanese   = Language{"Japanese", "今は英語でのみお答えしています。英語で質問していただけますか？"}
	korean     = Language{"Korean", "지금은 영어로만 답할 수 있어요. 질문을 영어로 적어 주시겠어요?"}
)

// functionWords are each language's most common short words (accents folded), which
// say what language a text is in whatever it is about. Words shared by several
// languages count for each; the highest count wins.
var functionWords = []struct {
	lang  Language
	words map[string]bool
}{
	{spanish, wordSet("el", "la", "los", "las", "del", "que", "en", "y", "es", "un", "una", "por", "para", "con", "mi",
		"mis", "se", "lo", "como", "cuanto", "cuanta", "cuantos", "cuantas", "puedo", "puede", "tengo", "despues",
		"quitar", "hacer", "esta", "estoy", "hay", "pero", "muy", "mas", "son", "cuesta", "porque", "al", "sesiones",
		"cuando", "donde", "quiero", "eliminar", "tatuaje", "cabeza", "necesito", "duele", "tiempo")},
	{portuguese, wordSet("o", "os", "as", "do", "da", "dos", "das", "que", "em", "no", "na", "um", "uma", "e", "para",
		"com", "meu", "minha", "posso", "pode", "tenho", "depois", "fazer", "esta", "estou", "nao", "mas", "muito",
		"mais", "sao", "como", "quanto", "quantas", "quantos", "custa", "remover", "voce", "quero", "preciso",
		"sessoes", "cabeca", "quando", "onde", "doi", "tempo")},
	{french, wordSet("le", "la", "les", "des", "du", "un", "une", "et", "est", "que", "qui", "en", "dans", "pour",
		"avec", "mon", "ma", "mes", "je", "puis", "peux", "peut", "combien", "apres", "faire", "pas", "ne", "mais",
		"tres", "plus", "sur", "au", "aux", "ce", "cette", "enlever", "comment", "vous", "tu", "seances", "coute",
		"quand", "ou", "veux", "faut", "mal", "cheveux", "tete")},
	{german, wordSet("der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "und", "ist", "ich", "nicht",
		"mit", "von", "zu", "auf", "fur", "wie", "was", "viele", "kann", "mein", "meine", "nach", "bei", "auch",
		"sich", "sind", "haben", "habe", "wird", "entfernen", "kostet", "lange", "dauert", "wieviel", "wann", "wo",
		"ob", "oder", "aber", "sitzungen", "kopf", "tut", "weh", "mir", "mich")},
	{italian, wordSet("il", "lo", "la", "gli", "le", "di", "del", "della", "che", "e", "un", "una", "per", "con",
		"mio", "mia", "posso", "puo", "quanto", "quante", "quanti", "dopo", "fare", "non", "ma", "molto", "piu",
		"sono", "come", "rimuovere", "costa", "sedute", "quando", "dove", "voglio", "ho", "testa", "fa", "male")},
	{dutch, wordSet("de", "het", "een", "en", "is", "van", "ik", "niet", "met", "op", "voor", "hoe", "wat", "veel",
		"kan", "mijn", "na", "ook", "zijn", "heb", "hebben", "wordt", "verwijderen", "kost", "lang", "duurt",
		"wanneer", "waar", "wil", "behandelingen", "hoofd", "doet", "pijn", "je")},
	{polish, wordSet("w", "z", "na", "do", "nie", "sie", "jak", "co", "czy", "jest", "moj", "moja", "po", "ile",
		"mozna", "usunac", "kosztuje", "sa", "mam", "chce", "kiedy", "gdzie", "boli", "glowa", "zabiegow")},
	{turkish, wordSet("ve", "bir", "bu", "ne", "nasil", "kac", "mi", "mu", "icin", "ile", "sonra", "var", "yok",
		"ben", "benim", "kadar", "ama", "cok", "seans", "silmek", "ucret", "agrir", "istiyorum")},
}

// englishWords are English function words: a message with as many of them as of
// another language's is taken to be English ("hi, mi ingles es malo, how much is
// laser?").
var englishWords = wordSet("the", "a", "an", "is", "are", "was", "be", "to", "of", "and", "in", "on", "for", "with",
	"my", "i", "it", "do", "does", "can", "how", "what", "why", "will", "me", "you", "this", "that", "have",
	"has", "after", "from", "get", "much", "many", "long", "should", "would", "if", "or", "not", "but", "im",
	"its", "there", "when", "which", "any", "need", "want")

// DetectLanguage returns the language text seems to be written in when it is not
// English: by its script for non-Latin alphabets, else by its function words. Short or
// mixed messages, and English ones, give ok false.
func DetectLanguage(text string) (lang Language, ok bool) {
	if l, ok := byScript(text); ok {
		return l, true
	}
	ws := strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, string(asciifolding.New().Filter([]byte(text)))))
	english := 0
	for _, w := range ws {
		if englishWords[w] {
			english++
		}
	}
	best, bestScore := Language{}, 0
	for _, fw := range functionWords {
		n := 0
		for i, w := range ws {
			// Distinct words: "la la la" is no sentence.
			if fw.words[w] && !slices.Contains(ws[:i], w) {
				n++
			}
		}
		if n > bestScore {
			best, bestScore = fw.lang, n
		}
	}
	// Two different words of its own at least, a quarter of the message, and clearly
	// more than English: "la" or "que" alone does not make a message Spanish.
	if bestScore >= 2 && bestScore*4 >= len(ws) && bestScore > 2*english {
		return best, true
	}
	return Language{}, false
}

// byScript recognises a language written in its own script when most letters are in
// it.
func byScript(text string) (Language, bool) {
	counts := map[*unicode.RangeTable]int{}
	letters, ukrainianLetters, kana := 0, 0, 0
	scripts := []*unicode.RangeTable{unicode.Cyrillic, unicode.Greek, unicode.Arabic, unicode.Hebrew,
		unicode.Devanagari, unicode.Thai, unicode.Han, unicode.Hangul}
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
			kana++
		}
		if strings.ContainsRune("іїєґІЇЄҐ", r) {
			ukrainianLetters++
		}
		for _, s := range scripts {
			if unicode.Is(s, r) {
				counts[s]++
				break
			}
		}
	}
	if letters == 0 {
		return Language{}, false
	}
	major := func(n int) bool { return n*2 > letters }
	switch {
	case major(kana+counts[unicode.Han]) && kana > 0:
		return japanese, true
	case major(counts[unicode.Cyrillic]) && ukrainianLetters > 0:
		return ukrainian, true
	case major(counts[unicode.Cyrillic]):
		return russian, true
	case major(counts[unicode.Greek]):
		return greek, true
	case major(counts[unicode.Arabic]):
		return arabic, true
	case major(counts[unicode.Hebrew]):
		return hebrew, true
	case major(counts[unicode.Devanagari]):
		return hindi, true
	case major(counts[unicode.Thai]):
		return thai, true
	case major(counts[unicode.Hangul]):
		return korean, true
	case major(counts[unicode.Han]):
		return chinese, true
	}
	return Language{}, false
}

// englishOnly is what the bot says, in English and then in the person's language, to
// a message it takes to be in another language.
func englishOnly(l Language) string {
	return "I can only understand and answer questions in English for now. Please ask again in English, and I'll do my best to help.\n\n" +
		l.Name + ": " + l.Notice
}
