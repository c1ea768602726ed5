package subscribe

import (
	"fmt"
	"strings"
)

// The pipeline's own log groups come from the destination ARN, this
// function's identity (set by Lambda) and PIPELINE_LOG_GROUPS.
func ExampleConfigFromEnv() {
	env := map[string]string{
		EnvDestinationARN:    "arn:aws:lambda:eu-west-1:111122223333:function:orgsiem-transfer",
		EnvExclude:           "/aws/lambda/test-*,/sandbox/*",
		EnvPipelineLogGroups: "/orgsiem/transfer",
		EnvFunctionName:      "orgsiem-subscribe",
		EnvFunctionLogGroup:  "/aws/lambda/orgsiem-subscribe",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(cfg.Exclude, " "))
	fmt.Println(strings.Join(cfg.OwnLogGroups(), " "))
	// Output:
	// /aws/lambda/test-* /sandbox/*
	// /aws/lambda/orgsiem-transfer /aws/lambda/orgsiem-subscribe /orgsiem/transfer
}
