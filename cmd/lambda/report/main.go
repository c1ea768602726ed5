// Command report is the daily compliance report Lambda (see functions/report).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/orgsiem/orgsiem/functions/report"
	"github.com/orgsiem/orgsiem/internal/search"
)

func main() {
	cfg, err := report.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	aws, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region))
	if err != nil {
		log.Fatal(err)
	}
	sc, err := search.New(search.Config{URL: cfg.Endpoint, AWS: &aws})
	if err != nil {
		log.Fatal(err)
	}
	r, err := report.New(cfg, sc, s3.NewFromConfig(aws), sns.NewFromConfig(aws), nil)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(r.Handle)
}
