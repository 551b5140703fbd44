GRANT SELECT, INSERT, UPDATE, DELETE ON "sign_in_failures" TO corebase_app;
