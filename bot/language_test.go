package bot

import "testing"

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		text, want string // want "" for English or unknown
	}{
		{"¿Me duele mucho después del láser, es normal?", "Spanish"},
		{"Eu fiz micropigmentação e não gostei, como posso remover?", "Portuguese"},
		{"Je regrette ma micropigmentation, est-ce que le laser fait mal ?", "French"},
		{"Ich bereue meine Haarpigmentierung, wie kann ich sie entfernen lassen?", "German"},
		{"Quanto costa rimuovere la micropigmentazione con il laser?", "Italian"},
		{"Hoeveel kost het om mijn hoofdhuidpigmentatie te laten verwijderen?", "Dutch"},
		{"Ile kosztuje usunięcie mikropigmentacji skóry głowy? Czy to boli?", "Polish"},
		{"Скільки коштує видалення мікропігментації?", "Ukrainian"},
		{"Сколько стоит удаление?", "Russian"},
		{"头皮纹绣可以用激光去除吗？", "Chinese"},
		{"頭皮のアートメイクはレーザーで消せますか？", "Japanese"},
		{"هل يمكن إزالة تصبغ فروة الرأس بالليزر؟", "Arabic"},
		{"how many laser sessions will I need?", ""},
		{"is laser removal painful, and how long does the redness last?", ""},
		{"la la la", ""},
		{"smp", ""},
		{"", ""},
		{"hi, mi inglés no es bueno, how much does the laser cost for my hairline?", ""},
	}
	for _, tt := range tests {
		l, ok := DetectLanguage(tt.text)
		if got := l.Name; got != tt.want || ok != (tt.want != "") {
			t.Errorf("DetectLanguage(%q) = %q, %v; want %q", tt.text, got, ok, tt.want)
		}
	}
}
