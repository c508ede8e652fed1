package index

import (
	"os"
	"strconv"
)

// EXPERIMENT ONLY: never commit.
var answerMode = os.Getenv("SMPBOT_AMODE")

func init() {
	if v, err := strconv.ParseFloat(os.Getenv("SMPBOT_AW"), 64); err == nil {
		answerWeight = float32(v)
	}
	switch answerMode {
	case "":
		fusionWeights = []float64{0, 0.772, -0.0347, 0.0987, 1, 1.14, 0, 0, -0.0761, -0.113, 0.993, 1.75, 0.0987, 0, 0}
		scopeWeights = []float64{-1.6, 0.28, -0.204, 0.907, -0.56, 0.175, -2.24}
	case "seprel":
		fusionWeights = []float64{0, 0.683, -0.00402, 0.208, 0.884, 1.38, 0, 0, -0.0525, -0.146, 0.988, 1.74, 0.208, 0, 0.905}
		scopeWeights = []float64{-1.66, 0.313, -0.158, 0.853, -0.538, 0.126, -2.25}
	case "scope":
		fusionWeights = []float64{0, 0.705, -0.00206, 0.251, 0.901, 1.3, 0, 0, -0.0477, -0.146, 0.995, 1.78, 0.251, 0, 0}
		scopeWeights = []float64{-1.65, 0.327, -0.166, 0.95, -0.57, 0.115, -2.07}
	case "sepscope":
		scopeWeights = []float64{-1.46, 0.332, -0.142, 0.957, -0.551, 0.11, -2.06}
	}
	fitted.scope = scopeWeights
}
