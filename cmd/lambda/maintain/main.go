// Command maintain is the domain maintenance Lambda (see functions/maintain).
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/orgsiem/orgsiem/functions/maintain"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
)

func main() {
	cfg, err := maintain.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	aws, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region))
	if err != nil {
		log.Fatal(err)
	}
	catalog, err := detect.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	sc, err := search.New(search.Config{URL: cfg.Endpoint, AWS: &aws})
	if err != nil {
		log.Fatal(err)
	}
	m, err := maintain.New(cfg, sc, catalog, nil, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	if err != nil {
		log.Fatal(err)
	}
	// The notification channels' webhook URLs are read at configure time.
	m.SetSecrets(maintain.Secrets{SecretsManager: secretsmanager.NewFromConfig(aws), SSM: ssm.NewFromConfig(aws)})
	lambda.Start(m.Handle)
}
