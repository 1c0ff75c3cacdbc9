// Browser tests run in web-test-runner's mocha: its globals (describe, it, beforeEach…) for the type-checker.
/// <reference types="mocha" />
