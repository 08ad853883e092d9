"""PostHog's error bodies, every exact message string phemu answers with, and phemu's own errors.

PostHog renders errors through drf-exceptions-hog with multi-error support off, so every error
body is ``{"type", "code", "detail", "attr"}`` describing only the *first* error. Clients branch on
these strings, so they live in this one module (``Msg``) and nowhere else.

Every exception phemu raises on purpose derives from :class:`PhemuError`, so ``except
phemu.PhemuError`` catches all of them and nothing else. Two families hang off it:

- :class:`PostHogError`: an error PostHog itself would answer. The HTTP API renders it as
  PostHog's JSON body; the Python API of a resource (``emulator.subscriptions.create(...)``)
  raises the very same object, so a test can assert on ``error.body()`` either way.
- phemu's own Python-side errors, which never reach a PostHog client: a bad configuration
  (:class:`ConfigurationError`), seed or state document (:class:`SeedError`), control-plane
  request (:class:`ControlError`), state file (:class:`StateFileError`), environment variable
  (:class:`EnvError`), or an unexpected failure inside phemu (:class:`PhemuBug`). Those that
  report a bad value also subclass :class:`ValueError`.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar


class Msg:
    """Every PostHog message phemu reproduces, byte for byte.

    Templates use :meth:`str.format` placeholders; callers fill them through the helpers on the
    error classes below rather than formatting ad hoc.
    """

    ENDPOINT_NOT_FOUND = "Endpoint not found."
    PROJECT_NOT_FOUND = "Project not found."
    NOT_FOUND = "Not found."
    CURRENT_ORGANIZATION_NOT_FOUND = "Current organization not found."
    NOT_AUTHENTICATED = "Authentication credentials were not provided."
    AUTHENTICATION_FAILED = "Personal API key found in request {source} is invalid."
    MISSING_SCOPE = "API key missing required scope '{scope}'"
    NO_PERSONAL_API_KEY_ACCESS = "This action does not support personal API key access"
    # PersonalApiKeySelfAccessPermission (posthog/api/personal_api_key.py) spells it this way.
    PERSONAL_KEY_SELF_ACCESS = "This action does not support Personal API Key access"
    ORGANIZATION_LEVEL_INSUFFICIENT = "Your organization access level is insufficient."
    NO_PROJECT_ACCESS = "You don't have access to the project."
    # DRF's BasePermission.message: ProjectSecretAPITokenPermission (posthog/permissions.py)
    # refuses a project secret API key of another project with it.
    PERMISSION_DENIED = "You do not have permission to perform this action."
    # TeamMemberStrictManagementPermission (posthog/permissions.py): rotate_secret_token,
    # delete_secret_token_backup need an admin of the project.
    PROJECT_PERMISSIONS_INSUFFICIENT = "You don't have sufficient permissions in the project."
    ORG_DISALLOWS_KEYS = (
        "Organization '{name}' does not allow using personal API keys. "
        "Contact an admin to enable personal API keys for this organization."
    )
    SCOPED_TEAMS_ONLY_PROJECT_ENDPOINTS = (
        "API keys with scoped projects are only supported on project-based endpoints."
    )
    KEY_NO_PROJECT_ACCESS = "API key does not have access to the requested project: ID {id}."
    KEY_NO_ORGANIZATION_ACCESS = (
        "API key does not have access to the requested organization: ID {id}."
    )
    METHOD_NOT_ALLOWED = 'Method "{method}" not allowed.'
    UNSUPPORTED_MEDIA_TYPE = 'Unsupported media type "{media_type}" in request.'
    JSON_PARSE_ERROR = "JSON parse error - {error}"
    THROTTLED = "Request was throttled. Expected available in {wait} {unit}."
    SERVER_ERROR = "A server error occurred."
    NO_DATA = "No data provided"
    # phemu serve only: PostHog's proxies refuse big bodies before Django sees them; phemu answers
    # in PostHog's error shape (drf-exceptions-hog types anything it does not list server_error).
    REQUEST_TOO_LARGE = "Request body is larger than {limit} bytes."
    # phemu serve only: what its HTTP server refuses before the app sees a request (a proxy in
    # front of PostHog would refuse these too). docs/server.md describes each.
    MALFORMED_REQUEST = "Malformed HTTP request: {reason}."
    DISALLOWED_HOST = (
        "phemu: Host {host!r} is not allowed. phemu serve answers only loopback names and the "
        "names given with --allowed-host (or PHEMU_ALLOWED_HOSTS); restart it with "
        "--allowed-host {name} to accept this one."
    )
    CONTROL_TOKEN_REQUIRED = (
        "phemu: this server's control plane needs its token (printed in phemu serve's banner): "
        "send it in the X-Phemu-Token header, or as the password of HTTP Basic auth."
    )
    CONTROL_NEEDS_JSON = (
        "phemu: control-plane requests that change something must be sent with "
        "Content-Type: application/json (got {content_type!r})."
    )
    WRITE_NOT_DURABLE = (
        "phemu: this write was applied in memory but could not be saved to the state file, so "
        "it may be lost on a crash: {reason}"
    )
    EXPECTED_DICT = "Invalid data. Expected a dictionary, but got {type}."

    # Django REST Framework field messages (``docs/subscriptions.md``).
    REQUIRED = "This field is required."
    NULL = "This field may not be null."
    BLANK = "This field may not be blank."
    INVALID_CHOICE = '"{value}" is not a valid choice.'
    NOT_A_STRING = "Not a valid string."
    MAX_LENGTH = "Ensure this field has no more than {max} characters."
    INVALID_INTEGER = "A valid integer is required."
    MIN_VALUE = "Ensure this value is greater than or equal to {min}."
    MAX_VALUE = "Ensure this value is less than or equal to {max}."
    INVALID_DATETIME = (
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
    )
    INVALID_BOOLEAN = "Must be a valid boolean."
    PK_DOES_NOT_EXIST = 'Invalid pk "{value}" - object does not exist.'
    PK_INCORRECT_TYPE = "Incorrect type. Expected pk value, received {type}."
    NOT_A_LIST = 'Expected a list of items but got type "{type}".'
    # Every DRF CharField carries these two validators (Django's ProhibitNullCharactersValidator
    # and rest_framework/validators.py ProhibitSurrogateCharactersValidator), after max_length.
    NULL_CHARACTERS = "Null characters are not allowed."
    SURROGATE_CHARACTERS = "Surrogate characters are not allowed: U+{code_point:X}."
    # More DRF field messages, for schema-driven validation (phemu/openapi/validate.py).
    MIN_LENGTH = "Ensure this field has at least {min} characters."
    INVALID_NUMBER = "A valid number is required."
    INVALID_UUID = "Must be a valid UUID."
    INVALID_EMAIL = "Enter a valid email address."
    INVALID_URL = "Enter a valid URL."
    INVALID_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
    INVALID_TIME = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
    PATTERN_MISMATCH = "This value does not match the required pattern."
    NOT_A_DICT = 'Expected a dictionary of items but got type "{type}".'
    LIST_MIN_LENGTH = "Ensure this field has at least {min} elements."
    LIST_MAX_LENGTH = "Ensure this field has no more than {max} elements."
    INVALID_CURSOR = "Invalid cursor"

    # Subscriptions (``docs/subscriptions.md``).
    DASHBOARD_NOT_YOUR_TEAM = "This dashboard does not belong to your team."
    INSIGHT_NOT_YOUR_TEAM = "This insight does not belong to your team."
    EXPORT_NEEDS_RESOURCE = "Either dashboard or insight is required for an export."
    # The 2026 serializer's content rules (cloud profile).
    INSIGHT_REQUIRED = "Insight is required for insight subscriptions."
    DASHBOARD_REQUIRED = "Dashboard is required for dashboard subscriptions."
    INSIGHT_SUBSCRIPTION_BOTH = "Insight subscriptions cannot also set dashboard or prompt."
    DASHBOARD_SUBSCRIPTION_BOTH = "Dashboard subscriptions cannot also set insight or prompt."
    INVALID_WEBHOOK_URL = "Invalid webhook URL: {reason}"

    # Insights (``docs/dashboards-insights.md``).
    DASHBOARD_NOT_FOUND = "Dashboard not found"

    # Sessions (``docs/sessions.md``).
    KEY_NOT_PROVIDED = "Key not provided"

    # Session-recording AI (``docs/ai.md``).
    MISSING_REGEX = "Missing required field: regex"
    INVALID_OPENAI_RESPONSE = "Invalid response from OpenAI"
    INVALID_OPENAI_JSON = "Invalid JSON response from OpenAI"
    REGEX_REFUSAL = "Please ask questions only about regex generation."
    AI_ONLY_IN_CLOUD = "AI features are only available in PostHog Cloud"
    AI_FILTERS_ONLY_IN_CLOUD = "AI filters are only available in PostHog Cloud"
    OPENAI_KEY_NOT_CONFIGURED = "OpenAI API key is not configured"
    ANALYTICS_CLIENT_NOT_CONFIGURED = "PostHog analytics client is not configured"
    # Questions of the default AI responder (``docs/ai.md``).
    FILTERS_OFF_TOPIC = "please specify your question about session replay"
    FILTERS_PAGE_URL = "What is the URL of the {word} page?"
    FILTERS_VAGUE = "Which page, event or property should the recordings match?"

    # Capture (rust/capture/src/api.rs, CaptureError; plain-text bodies).
    CAPTURE_DECODE = "failed to decode request: {error}"
    CAPTURE_PARSE = "failed to parse request: {error}"
    CAPTURE_LONE_SURROGATE = "lone leading surrogate in hex escape"  # serde_json's wording
    CAPTURE_EMPTY_BATCH = "request holds no event"
    CAPTURE_MISSING_EVENT_NAME = "event submitted with an empty event name"
    CAPTURE_EMPTY_DISTINCT_ID = "event submitted with an empty distinct_id"
    CAPTURE_MISSING_DISTINCT_ID = "event submitted without a distinct_id"
    CAPTURE_NO_TOKEN = "event submitted without an api_key"
    CAPTURE_MULTIPLE_TOKENS = "batch submitted with inconsistent api_key values"
    CAPTURE_INVALID_TOKEN = "API key is not valid: {reason}"
    # phemu's own: PostHog decodes lz-string; phemu does not (no current SDK sends it).
    CAPTURE_LZ64_UNSUPPORTED = "lz64 (lz-string) payloads are not supported by phemu; send gzip"

    # The flags service (rust/feature-flags/src/api/errors.rs; plain-text bodies).
    FLAGS_NO_TOKEN = "No API token provided. Please include a valid API token in your request."
    FLAGS_INVALID_TOKEN = (
        "The provided API key is invalid or has expired. Please check your API key and try again."
    )
    FLAGS_MISSING_DISTINCT_ID = (
        "The distinct_id field is missing from the request. Please include a valid identifier."
    )
    FLAGS_EMPTY_DISTINCT_ID = (
        "The distinct_id field cannot be empty. Please provide a valid identifier."
    )
    FLAGS_DECODE = (
        "Failed to decode request: {error}. Please check your request format and try again."
    )
    FLAGS_PARSE = (
        "Failed to parse request: {error}. Please ensure your request is properly formatted and "
        "all required fields are present."
    )
    # FlagError::SecretApiTokenInvalid (JSON, as DRF's AuthenticationFailed); a missing or
    # refused personal API key answers DRF's own NOT_AUTHENTICATED / AUTHENTICATION_FAILED.
    DEFINITIONS_INVALID_SECRET = "Secret API token is invalid."

    # Feature flags (posthog/api/feature_flag.py, FeatureFlagSerializer).
    # posthog/api/feature_flag.py, FeatureFlagViewSet.evaluation_reasons
    FLAG_EVALUATION_DISTINCT_ID = "distinct_id is required"
    FLAG_KEY_EXISTS = "There is already a feature flag with this key."
    FLAG_KEY_FORMAT = "Only letters, numbers, hyphens (-) & underscores (_) are allowed."
    FLAG_NEEDS_GROUP = "Feature flags must have at least one condition set (group)."
    FLAG_PERSON_FILTERS_ONLY = (
        "Filters are not valid (can only use person, cohort, and flag properties)"
    )
    FLAG_GROUP_FILTERS_ONLY = "Filters are not valid (can only use group properties)"
    FLAG_FLAG_OPERATOR = "Flag properties must use the 'flag_evaluates_to' operator"
    FLAG_VARIANTS_SUM = "Invalid variant definitions: Variant rollout percentages must sum to 100."
    FLAG_UNKNOWN_OVERRIDE = "Filters are not valid (variant override does not exist)"
    FLAG_TOO_MANY_VALUES = (
        "Property group expressions of type {key} cannot contain more than {limit} values."
    )
    FLAG_COHORT_MISSING = "Cohort with id {id} does not exist"
    FLAG_BEHAVIORAL_COHORT = (
        "Cohort '{name}' with filters on events cannot be used in feature flags."
    )
    FLAG_INVALID_DATE = "Invalid date value: {value}"
    FLAG_INVALID_VALUE = "Invalid value for operator {operator}: {value}"
    FLAG_COHORT_OPERATOR = (
        "The '{operator}' operator is only valid for cohort properties, not '{type}' properties."
    )
    FLAG_PAYLOADS_DICT = "Payloads must be passed as a dictionary"
    FLAG_PAYLOAD_JSON = "Payload value is not valid JSON"
    FLAG_PAYLOAD_VARIANT_KEYS = "Payload keys must match a variant key for multivariate flags"
    FLAG_PAYLOAD_BOOLEAN_KEYS = "Payload keys must be 'true' for boolean flags"
    FLAG_DEPENDENCY_NOT_ID = (
        "Flag dependencies must reference flag IDs (integers), not flag keys. "
        "Invalid reference: '{reference}'"
    )
    FLAG_DEPENDENCY_DISABLED = (
        "Cannot create dependency on disabled flag '{key}' (ID: {id}). "
        "Flag dependencies must reference active flags only."
    )
    FLAG_DEPENDENCY_MISSING = "Flag dependency references non-existent flag with ID {id}"
    FLAG_DEPENDS_ON_ITSELF = "Feature flag '{key}' cannot depend on itself"
    FLAG_CIRCULAR = "Circular dependency detected: {cycle}"
    FLAG_DELETE_DEPENDED_ON = (
        "Cannot delete this feature flag because other flags depend on it: {flags}. "
        "Please update or delete the dependent flags first."
    )
    FLAG_DISABLE_DEPENDED_ON = (
        "Cannot disable this feature flag because other flags depend on it: {flags}. "
        "Please update or disable the dependent flags first."
    )
    FLAG_ENABLE_DISABLED_DEPENDENCY = (
        "Cannot enable this feature flag because it depends on disabled flags: {flags}. "
        "Please enable the dependency flags first."
    )
    FLAG_INVALID_IDS = "Invalid flag IDs provided"
    # posthog/api/feature_flag.py, FeatureFlagViewSet.user_blast_radius, and
    # posthog/models/feature_flag/user_blast_radius.py
    FLAG_BLAST_RADIUS_NO_CONDITION = "Missing condition for which to get blast radius"
    FLAG_BLAST_RADIUS_GROUP_INDEX = "Invalid group type index for feature flag condition."
    # posthog/api/feature_flag.py, FeatureFlagViewSet.enrich_usage_dashboard ("error" of a 400)
    FLAG_USAGE_DASHBOARD_MISSING = "Usage dashboard not found"
    FLAG_USAGE_DASHBOARD_ENRICHED = "Usage dashboard already has enriched data"
    FLAG_NO_ENRICHED_ANALYTICS = "No enriched analytics available for this feature flag"
    # posthog/api/person.py, PersonViewSet.create
    PERSONS_CREATE = (
        "Creating persons via this API is not allowed. Please create persons by sending an "
        "$identify event. See https://posthog.com/docs/product-analytics/identify for details."
    )
    # posthog/api/person.py, PersonViewSet.bulk_delete and reset_person_distinct_id
    PERSONS_BULK_TOO_MANY = "You can only pass 1000 {name} in one call"
    PERSONS_BULK_NOTHING = "You need to specify either distinct_ids or ids"
    PERSONS_RESET_DISTINCT_ID = "distinct_id is required"
    # posthog/api/person.py, PersonViewSet.safely_get_object
    PERSONS_NOT_A_PERSON_ID = (
        "The ID provided does not look like a personID. If you are using a distinctId, please "
        "use /persons?distinct_id={id} instead."
    )
    # posthog/api/person.py, PersonViewSet.lifecycle
    PERSONS_MISSING_PARAMETER = "Missing parameter"
    PERSONS_LIFECYCLE_NO_DATE = "Must include specified date"
    PERSONS_LIFECYCLE_NO_TYPE = "Must include lifecycle type"
    # posthog/api/utils.py, get_target_entity
    PERSONS_ENTITY_REQUIRED = (
        "An entity id and the entity type must be provided to determine an entity"
    )
    PERSONS_TARGET_ENTITY_REQUIRED = "An entity must be provided for target entity to be determined"
    # products/enterprise/backend/clickhouse/queries/funnels/funnel_correlation_persons.py
    PERSONS_CORRELATION_NO_ENTITY = "No entity for persons specified"
    PERSONS_CORRELATION_NO_PROPERTY = (
        "Property Correlation expects atleast one Property to get persons for"
    )
    # posthog/exceptions.py, EnterpriseFeatureException, as PostHog Cloud (is_cloud()) words it.
    ENTERPRISE_FEATURE = (
        "This feature is part of the premium PostHog offering. To use it, subscribe to PostHog "
        "Cloud with a generous free tier."
    )
    FLAG_IGNORED_IDS = "Invalid flag IDs ignored: {ids}"
    # Cohorts (posthog/api/cohort.py, posthog/models/cohort/validation.py).
    COHORT_FILTERS_NEED_PROPERTIES = "Must contain a 'properties' key with type and values"
    COHORT_MISSING_KEYS = "Missing required keys for {kind} filter: {keys}"
    COHORT_QUERY_AND_FILTERS = "Cannot set both query and filters at the same time."
    COHORT_DYNAMIC_QUERY = "Cannot create a dynamic cohort with a query. Set is_static to true."
    COHORT_QUERY_NOT_DICT = "Query must be a dictionary."
    COHORT_QUERY_KIND = "Query must be an ActorsQuery or HogQLQuery. Got: {kind}"
    COHORT_TYPE_MISMATCH = (
        "Cohort type '{given}' does not match the filters. Expected type: '{expected}'"
    )
    COHORT_TYPE_INVALID = "Invalid cohort type for the given filters"
    COHORT_LOOP = "Cohorts cannot reference other cohorts in a loop."
    COHORT_INVALID_ID_IN_FILTER = "Invalid Cohort ID in filter"
    COHORT_USED_IN_FLAGS = (
        "This cohort is used in {count} active feature flag(s): {names}. "
        "Please remove the cohort from these feature flags before deleting it."
    )
    COHORT_BEHAVIORAL_IN_FLAG = (
        "Behavioral filters cannot be added to cohorts used in feature flags."
    )
    COHORT_DEPENDENCY_BEHAVIORAL = (
        "A cohort dependency ({name}) has filters based on events. These cohorts can't be used "
        "in feature flags."
    )
    COHORT_ONLY_STATIC_ADD = "Can only add users to static cohorts"
    COHORT_ONLY_STATIC_REMOVE = "Can only remove users from static cohorts"
    COHORT_PERSON_IDS_LIST = "person_ids must be a list"
    COHORT_PERSON_IDS_EMPTY = "person_ids cannot be empty"
    COHORT_PERSON_IDS_TOO_MANY = "List size exceeds limit"
    COHORT_NO_VALID_USERS = "No valid users to add to cohort"
    COHORT_PERSON_ID_REQUIRED = "person_id is required"
    COHORT_PERSON_ID_STRING = "person_id must be a string"
    COHORT_PERSON_ID_UUID = "person_id must be a valid UUID"
    COHORT_PERSON_NOT_IN_TEAM = "Person with this UUID does not exist in the cohort's team"
    COHORT_PERSON_NOT_MEMBER = "Person is not part of the cohort"
    COHORT_DUPLICATE_STATIC = "Cannot duplicate a static cohort as a static cohort."
    EXPERIMENT_NO_FLAG = "Experiment does not have a feature flag"
    EXPERIMENT_NO_START_DATE = "Experiment does not have a start date"
    EXPERIMENT_HAS_EXPOSURE_COHORT = "Experiment already has an exposure cohort"
    EXPERIMENT_INVALID_ACTION_ID = "Invalid action ID"

    # Annotations (posthog/api/annotation.py).
    ANNOTATION_INVALID_SCOPE = "Invalid scope: {scope}"
    ANNOTATION_DATE_FROM = "Invalid date range: date_from must be a valid ISO 8601 date"
    ANNOTATION_DATE_TO = "Invalid date range: date_to must be a valid ISO 8601 date"
    ANNOTATION_DATE_ORDER = "Invalid date range: date_from must be before date_to"
    ANNOTATION_DASHBOARD_NOT_FOUND = "Dashboard not found."

    # Experiments (ee/clickhouse/views/experiments.py, ExperimentSerializer).
    EXPERIMENT_END_BEFORE_START = "End date must be after start date"
    EXPERIMENT_TOO_MANY_VARIANTS = "Feature flag variants must be less than 21"
    EXPERIMENT_NEEDS_CONTROL = "Feature flag variants must contain a control variant"
    EXPERIMENT_FLAG_CONTROL_FIRST = "Feature flag must have control as the first variant."
    EXPERIMENT_FLAG_NOT_ELIGIBLE = "Feature flag is not eligible for experiments."
    EXPERIMENT_FILTER_TEST_ACCOUNTS = "filterTestAccounts must be a boolean"
    EXPERIMENT_INVALID_EXPOSURE = "Invalid exposure criteria"
    EXPERIMENT_SAVED_METRICS_LIST = "Saved metrics must be a list"
    EXPERIMENT_SAVED_METRIC_OBJECT = "Saved metric must be an object"
    EXPERIMENT_SAVED_METRIC_ID = "Saved metric must have an id"
    EXPERIMENT_METADATA_OBJECT = "Metadata must be an object"
    EXPERIMENT_METADATA_TYPE = "Metadata must have a type key"
    EXPERIMENT_SAVED_METRIC_MISSING = "Saved metric does not exist"
    EXPERIMENT_CANT_UPDATE_KEYS = "Can't update keys: {keys} on Experiment"
    EXPERIMENT_CANT_UPDATE_VARIANTS = "Can't update feature_flag_variants on Experiment"
    EXPERIMENT_CANT_UPDATE_HOLDOUT = "Can't update holdout on running Experiment"
    EXPERIMENT_GLOBAL_PROPERTIES = "Experiments do not support global filter properties"
    EXPERIMENT_INVALID_LIMIT = "Invalid limit or offset"
    EXPERIMENT_NO_ACTION = "Action ID {id} does not exist!"
    EXPERIMENT_ACTION_NONE = "Action ID cannot be None!"
    EXPERIMENT_METRIC_UUID_REQUIRED = "metric_uuid query parameter is required"
    EXPERIMENT_FINGERPRINT_PARAM_REQUIRED = "fingerprint query parameter is required"
    EXPERIMENT_NOT_STARTED = "Experiment has not been started yet"
    EXPERIMENT_METRIC_REQUIRED = "metric is required"
    EXPERIMENT_FINGERPRINT_REQUIRED = "fingerprint is required"
    EXPERIMENT_RECALCULATE_NOT_STARTED = (
        "Cannot recalculate timeseries for experiment that hasn't started"
    )
    # ee/clickhouse/views/experiment_holdouts.py
    HOLDOUT_ROLLOUT_PRESENT = "Rollout percentage must be present."
    HOLDOUT_ROLLOUT_RANGE = "Rollout percentage must be between 0 and 100."
    HOLDOUT_FILTERS_REQUIRED = "Filters are required to create an holdout group"
    # ee/clickhouse/views/experiment_saved_metrics.py
    SAVED_METRIC_QUERY_REQUIRED = "Query is required to create a saved metric"
    SAVED_METRIC_KIND = (
        "Metric query kind must be 'ExperimentMetric', 'ExperimentTrendsQuery' or "
        "'ExperimentFunnelsQuery'"
    )
    SAVED_METRIC_NEEDS_TYPE = "ExperimentMetric requires a metric_type"
    SAVED_METRIC_TYPE = "ExperimentMetric metric_type must be 'mean', 'funnel', or 'ratio'"
    # posthog/api/web_experiment.py
    WEB_EXPERIMENT_NO_VARIANTS = "Experiment does not have any variants"
    WEB_EXPERIMENT_VARIANTS_DICT = (
        "Experiment variants should be a dictionary of keys -> transforms"
    )
    WEB_EXPERIMENT_NEEDS_CONTROL = "Experiment should contain a control variant"
    WEB_EXPERIMENT_NO_ROLLOUT = "Experiment variant '{name}' does not have any rollout percentage"
    WEB_EXPERIMENT_NO_SELECTOR = (
        "Experiment transform [${index}] variant '{name}' does not have a valid selector"
    )

    # Surveys (posthog/api/survey.py, SurveySerializerCreateUpdateOnly).
    # posthog/api/survey.py, SurveyViewSet._validate_and_parse_dates
    SURVEY_STATS_DATE_FORMAT = (
        "Invalid date format. Please use ISO 8601 format with timezone info "
        "(e.g. 2024-01-01T00:00:00Z or 2024-01-01T00:00:00+00:00)"
    )
    SURVEY_STATS_DATE_ORDER = "date_from must be before date_to"
    # posthog/api/survey.py, SurveyViewSet.summarize_responses
    SURVEY_SUMMARY_QUESTION_REQUIRED = "question_index or question_id is required"
    SURVEY_SUMMARY_QUESTION_TEXT = "the text of the question is required"
    SURVEY_SUMMARY_NO_RESPONSES = "No responses to analyze."
    SURVEY_SUMMARY_FAILED = "Failed to generate summary. Please try again."
    SURVEY_APPEARANCE_OBJECT = "Appearance must be an object"
    SURVEY_THANK_YOU_CONTENT_TYPE = (
        "thankYouMessageDescriptionContentType must be one of ['text', 'html']"
    )
    SURVEY_POPUP_DELAY = "Survey popup delay seconds must be a positive integer"
    SURVEY_WHITE_LABEL_BOOLEAN = "whiteLabel must be a boolean"
    SURVEY_WHITE_LABEL_PLAN = "You need to upgrade to PostHog Enterprise to use white labelling"
    SURVEY_CONDITIONS_OBJECT = "Conditions must be an object"
    SURVEY_QUESTIONS_LIST = "Questions must be a list of objects"
    SURVEY_QUESTION_TEXT = "Question text is required"
    SURVEY_QUESTION_CONTENT_TYPE = "Question descriptionContentType must be one of ['text', 'html']"
    SURVEY_CHOICES_LIST = "Question choices must be a list of strings"
    SURVEY_CHOICES_EMPTY = "Question choices cannot be empty"
    SURVEY_LINK_SCHEME = "Link must be a URL with one of these schemes: [https, mailto]"
    SURVEY_LINK_MAILTO = (
        "Invalid mailto link. Please enter a valid mailto link (e.g., mailto:example@domain.com)."
    )
    SURVEY_LINK_HTTPS = "Invalid HTTPS URL. Please enter a valid HTTPS link."
    SURVEY_SCHEDULE = "Schedule must be one of: once, recurring, always"
    SURVEY_LINKED_FLAG_MISSING = "Feature Flag with this ID does not exist"
    SURVEY_VARIANT_MISSING = (
        "Feature flag variant '{variant}' does not exist. Available variants: {variants}"
    )
    SURVEY_VARIANT_NO_VARIANTS = (
        "Feature flag variant '{variant}' specified but the linked feature flag has no variants"
    )
    SURVEY_VARIANT_WITHOUT_FLAG = (
        "linkedFlagVariant can only be used when a linked_flag_id is specified"
    )
    SURVEY_NAME_EXISTS = "There is already a survey with this name."
    SURVEY_NAME_EXISTS_OTHER = "There is already another survey with this name."
    SURVEY_TARGETING_EVERYONE = (
        "Invalid operation: User targeting rolls out to everyone. If you want to roll out to "
        "everyone, delete this targeting"
    )
    SURVEY_SAMPLING_START_PAST = (
        "Response sampling start date must be today or a future date in UTC. Got {got} when "
        "current time is {today}"
    )
    SURVEY_SAMPLING_INTERVAL = "Response sampling interval must be greater than 0."
    SURVEY_SAMPLING_START_NEEDED = (
        "Response sampling start date should be set if response_sampling_start_date is not zero."
    )
    SURVEY_EXTERNAL_FIELD = "{field} is not allowed for external surveys"
    SURVEY_EXTERNAL_CONDITIONS = (
        "The following condition fields are not allowed for external surveys: {fields}"
    )
    SURVEY_EXTERNAL_POPUP_DELAY = "surveyPopupDelaySeconds is not allowed for external surveys"
    SURVEY_ITERATIONS_TOO_FEW = (
        "Cannot change survey recurrence to {count}, should be at least {current}"
    )
    SURVEY_TARGETING_FAILED = "Targeting flag for survey failed, invalid parameters."
    # ``SurveyViewSet.duplicate_to_projects`` (``posthog/api/survey.py``)
    SURVEY_DUPLICATE_TARGETS = "target_team_ids must be a non-empty list of team IDs"
    SURVEY_DUPLICATE_NO_ORGANIZATION = "User must belong to an organization"
    SURVEY_DUPLICATE_TEAMS = "One or more target teams not found or you don't have access to them"

    # Organization members (posthog/api/organization_member.py, OrganizationMembership).
    MEMBER_OWN_LEVEL = "You can't change your own access level."
    MEMBER_OWNERSHIP_ONLY_OWNER = "You can only pass on organization ownership if you're its owner."
    MEMBER_LEVEL_ABOVE_OWN = (
        "You can only change access level of others to lower or equal to your current one."
    )
    MEMBER_SAME_ORGANIZATION = "You both need to belong to the same organization."
    MEMBER_EDIT_NEEDS_ADMIN = "You can only edit others if you are an admin."
    MEMBER_EDIT_HIGHER = "You can only edit others with level lower or equal to you."
    MEMBER_OWNER_CANNOT_LEAVE = "Cannot leave the organization as its owner!"

    # Query API (query.md): HogQL errors PostHog exposes (posthog/hogql/database/database.py,
    # posthog/hogql/resolver.py, posthog/hogql/printer.py, posthog/hogql/parser.py).
    HOGQL_UNKNOWN_TABLE = "Unknown table `{name}`."
    HOGQL_UNRESOLVED_FIELD = "Unable to resolve field: {name}"
    HOGQL_AMBIGUOUS_FIELD = "Ambiguous query. Found multiple sources for field: {name}"
    HOGQL_UNSUPPORTED_FUNCTION = "Unsupported function call '{name}(...)'"
    HOGQL_UNSUPPORTED_FUNCTION_HINT = (
        "Unsupported function call '{name}(...)'. Perhaps you meant '{hint}(...)'?"
    )
    HOGQL_EMPTY_QUERY = "Empty query"
    # ANTLR's syntax errors, raised by posthog/hogql/parser.py's HogQLErrorListener from the
    # hogql_parser module (query.md "Errors"); the token sets are ANTLR's, in its order.
    HOGQL_NO_VIABLE = "no viable alternative at input {input}"
    HOGQL_MISMATCHED = "mismatched input {token} expecting {expected}"
    HOGQL_EXTRANEOUS = "extraneous input {token} expecting {expected}"
    HOGQL_MISSING_PAREN = "missing ')' at '<EOF>'"
    HOGQL_STATEMENT_TOKENS = "{SELECT, WITH, '{', '(', '<'}"
    HOGQL_MEMBER_TOKENS = "{SELECT, WITH, '{', '('}"
    HOGQL_EXPRESSION_TOKENS = (
        "{ALL, AND, ANTI, ANY, ARRAY, AS, ASCENDING, ASOF, BETWEEN, BOTH, BY, CASE, CAST, "
        "COHORT, COLLATE, CROSS, CUBE, CURRENT, DATE, DAY, DESC, DESCENDING, DISTINCT, ELSE, END, "
        "EXTRACT, FINAL, FIRST, FOLLOWING, FOR, FROM, FULL, GROUP, HAVING, HOUR, ID, IF, ILIKE, "
        "IN, INF, INNER, INTERVAL, IS, JOIN, KEY, LAST, LEADING, LEFT, LIKE, LIMIT, MINUTE, "
        "MONTH, NAN_SQL, NOT, NULL_SQL, NULLS, OFFSET, ON, OR, ORDER, OUTER, OVER, PARTITION, "
        "PRECEDING, PREWHERE, QUARTER, RANGE, RETURN, RIGHT, ROLLUP, ROW, ROWS, SAMPLE, SECOND, "
        "SELECT, SEMI, SETTINGS, SUBSTRING, THEN, TIES, TIMESTAMP, TO, TOP, TOTALS, TRAILING, "
        "TRIM, TRUNCATE, UNBOUNDED, UNION, USING, WEEK, WHEN, WHERE, WINDOW, WITH, YEAR, "
        "IDENTIFIER, FLOATING_LITERAL, OCTAL_LITERAL, DECIMAL_LITERAL, HEXADECIMAL_LITERAL, "
        "STRING_LITERAL, '*', '-', '.', '{', '[', '(', '<', '+', 'f''}"
    )
    # phemu's own: HogQL that PostHog's grammar accepts but phemu's parser cannot read.
    HOGQL_NOT_READ = "phemu does not compute this HogQL syntax: {reason}"
    # posthog/api/services/query.py: nodes the query runner cannot run.
    UNSUPPORTED_QUERY_KIND = "Unsupported query kind: {kind}"
    # phemu's own: a kind PostHog computes but phemu does not (``docs/query.md``, "Kinds").
    QUERY_KIND_NOT_COMPUTED = (
        "phemu does not compute {kind} queries; it computes HogQLQuery, EventsQuery, "
        "TrendsQuery and FunnelsQuery"
    )
    # phemu's own: an option of a computed kind that phemu does not compute.
    QUERY_FEATURE_NOT_COMPUTED = "phemu does not compute {feature}"
    # posthog/hogql_queries/insights/funnels/base.py
    FUNNEL_TOO_FEW_STEPS = "Funnels require at least two steps before calculating."
    # posthog/api/mixins.py: pydantic's message for a body that is not a QueryRequest.
    QUERY_REQUEST_INVALID = (
        "JSON parse error - 1 validation error for QueryRequest\n{location}\n  {message}"
    )
    # posthog/clickhouse/client/execute_async.py: async query statuses.
    QUERY_NOT_FOUND = "Query {id} not found for team {team}"
    QUERY_ALREADY_COMPLETE = "Query already complete"
    QUERY_DEQUEUED = "Only tried to dequeue, not cancelling query on clickhouse"
    QUERY_CANCELLED = "Cancelled query on clickhouse"
    # phemu's own: the optional engine is not installed.
    QUERY_ENGINE_MISSING = (
        "phemu's query engine is not installed; install it with: pip install 'phemu[query]'"
    )


def _type_name(value: object) -> str:
    """Python's type name as DRF prints it (``list``, ``str``, ``int``, ``bool``...)."""
    return type(value).__name__


class PhemuError(Exception):
    """The root of every exception phemu raises on purpose (see the module docstring)."""


class PostHogError(PhemuError):
    """An error answered with PostHog's JSON body.

    Subclasses fix ``status``/``type``/``code``; ``detail`` and ``attr`` vary per raise.
    """

    status: ClassVar[int] = 500
    type: ClassVar[str] = "server_error"
    code: str = "error"
    default_detail: ClassVar[str] = Msg.SERVER_ERROR

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        attr: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = self.default_detail if detail is None else detail
        if code is not None:
            self.code = code
        self.attr = attr
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        """The JSON body, keys in PostHog's order."""
        return {"type": self.type, "code": self.code, "detail": self.detail, "attr": self.attr}


class ValidationError(PostHogError):
    """A 400 ``validation_error``; DRF's ``invalid`` code is rewritten to ``invalid_input``."""

    status = 400
    type = "validation_error"
    code = "invalid_input"

    def __init__(
        self, detail: str, *, code: str = "invalid_input", attr: str | None = None
    ) -> None:
        super().__init__(detail, code="invalid_input" if code == "invalid" else code, attr=attr)

    def nested(self, prefix: str | int) -> ValidationError:
        """The same error one level deeper: ``attr`` becomes ``<prefix>__<attr>``."""
        attr = str(prefix) if self.attr is None else f"{prefix}__{self.attr}"
        return ValidationError(self.detail, code=self.code, attr=attr)


class MissingParameter(PostHogError):
    """The 400 ``PersonViewSet.lifecycle`` builds by hand (``posthog/api/person.py``): a
    ``message`` and a ``detail``, not DRF's error shape."""

    status = 400
    type = "validation_error"

    def body(self) -> dict[str, Any]:
        return {"message": Msg.PERSONS_MISSING_PARAMETER, "detail": self.detail}


class ParseError(PostHogError):
    status = 400
    type = "invalid_request"
    code = "parse_error"

    @classmethod
    def json(cls, error: str) -> ParseError:
        return cls(Msg.JSON_PARSE_ERROR.format(error=error))


class QueryError(ValidationError):
    """An error PostHog exposes from HogQL (``ExposedHogQLError``), answered as a 400.

    ``posthog/api/query.py`` raises ``ValidationError(str(e), getattr(e, "code_name", None))``:
    in November 2025 HogQL errors had no ``code_name``, so DRF's default ``invalid`` became
    ``invalid_input``; PostHog Cloud in 2026 answers the class's ``code_name``
    (``posthog/hogql/errors.py``), kept here as ``cloud_code``. ``start``/``end`` locate the
    offending text in the query, as PostHog's error carries them.
    """

    cloud_code: ClassVar[str | None] = "hogql_query_error"

    def __init__(self, detail: str, *, start: int | None = None, end: int | None = None) -> None:
        super().__init__(detail)
        self.start = start
        self.end = end

    def for_profile(self, profile: str) -> QueryError:
        """The same error with the ``code`` the profile's PostHog answers."""
        if profile == "cloud" and self.cloud_code is not None:
            self.code = self.cloud_code
        return self


class QuerySyntaxError(QueryError):
    """The query does not parse as HogQL (PostHog's ``SyntaxError``)."""

    cloud_code = "hogql_syntax_error"


class QueryNotComputed(QueryError):
    """A 400 of phemu's own about a query (what it does not compute, DuckDB's refusals)."""

    cloud_code = None


class QueryEngineMissing(PostHogError):
    """``query/`` without the optional ``phemu[query]`` extra installed."""

    status = 501
    type = "server_error"
    code = "query_engine_missing"
    default_detail = Msg.QUERY_ENGINE_MISSING


class NotAuthenticated(PostHogError):
    status = 401
    type = "authentication_error"
    code = "not_authenticated"
    default_detail = Msg.NOT_AUTHENTICATED


class AuthenticationFailed(PostHogError):
    status = 401
    type = "authentication_error"
    code = "authentication_failed"

    @classmethod
    def for_source(cls, source: str) -> AuthenticationFailed:
        """``source``: PostHog's phrase, ``Authorization header``, ``body`` or ``query string``."""
        return cls(Msg.AUTHENTICATION_FAILED.format(source=source))


class PermissionDenied(PostHogError):
    status = 403
    type = "authentication_error"
    code = "permission_denied"

    @classmethod
    def missing_scope(cls, scope: str) -> PermissionDenied:
        return cls(Msg.MISSING_SCOPE.format(scope=scope))


class NotFound(PostHogError):
    status = 404
    type = "invalid_request"
    code = "not_found"
    default_detail = Msg.NOT_FOUND


class EndpointNotFound(NotFound):
    default_detail = Msg.ENDPOINT_NOT_FOUND


class ProjectNotFound(NotFound):
    default_detail = Msg.PROJECT_NOT_FOUND


class PaymentRequired(PostHogError):
    """``EnterpriseFeatureException``: a feature PostHog sells (the definitions' taxonomy)."""

    status = 402
    type = "invalid_request"
    code = "payment_required"
    default_detail = Msg.ENTERPRISE_FEATURE


class MethodNotAllowed(PostHogError):
    status = 405
    type = "invalid_request"
    code = "method_not_allowed"

    def __init__(self, method: str, allow: str, detail: str | None = None) -> None:
        super().__init__(
            detail or Msg.METHOD_NOT_ALLOWED.format(method=method), headers={"Allow": allow}
        )


class UnsupportedMediaType(PostHogError):
    status = 415
    type = "invalid_request"
    code = "unsupported_media_type"

    def __init__(self, media_type: str) -> None:
        super().__init__(Msg.UNSUPPORTED_MEDIA_TYPE.format(media_type=media_type))


class Throttled(PostHogError):
    status = 429
    type = "throttled_error"
    code = "throttled"

    def __init__(self, wait: int) -> None:
        unit = "second" if wait == 1 else "seconds"
        super().__init__(
            Msg.THROTTLED.format(wait=wait, unit=unit), headers={"Retry-After": str(wait)}
        )


class ServerError(PostHogError):
    """PostHog's generic 500. Raised deliberately where PostHog itself fails (not a phemu bug)."""

    status = 500
    type = "server_error"
    code = "error"


class RequestTooLarge(PostHogError):
    """413 from ``phemu serve`` for a body above ``--max-body`` (the app never reads it)."""

    status = 413
    type = "server_error"
    code = "request_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(Msg.REQUEST_TOO_LARGE.format(limit=limit))


class MalformedRequest(PostHogError):
    """A request the HTTP server cannot parse (bad ``Content-Length``, chunk size, header...)."""

    status = 400
    type = "invalid_request"
    code = "malformed_request"

    def __init__(self, reason: str) -> None:
        super().__init__(Msg.MALFORMED_REQUEST.format(reason=reason.rstrip(".")))


class DisallowedHost(PostHogError):
    """``phemu serve`` refuses a ``Host`` that is neither loopback nor allowed (DNS rebinding)."""

    status = 400
    type = "invalid_request"
    code = "disallowed_host"

    def __init__(self, host: str) -> None:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        super().__init__(Msg.DISALLOWED_HOST.format(host=host, name=name or "NAME"))


class WriteNotDurable(PostHogError):
    """``--sync always``: the state file could not be written before answering a write."""

    status = 503
    type = "server_error"
    code = "write_not_durable"

    def __init__(self, reason: str) -> None:
        super().__init__(Msg.WRITE_NOT_DURABLE.format(reason=reason))


class DroppedConnection(PhemuError, ConnectionError):
    """The connection is dropped instead of answered (fault injection, ``phemu_before_request``).

    The WSGI app lets it propagate. Front doors translate it into their client library's own
    failure: the ``responses`` patcher raises ``requests.exceptions.ConnectionError``, the httpx
    transports raise ``httpx.RemoteProtocolError`` (the server disconnected without a
    response), the werkzeug test client lets it through, and the HTTP server closes the socket
    without writing anything. It subclasses the built-in :class:`ConnectionError` so werkzeug's
    server treats it as a dropped connection rather than an application error.
    """


class PluginFault(ServerError):
    """A plugin broke its contract (e.g. an AI responder returned output off PostHog's schema).

    The client sees PostHog's plain 500; ``report`` names the plugin and what it did wrong and is
    written to the journal and to :attr:`Emulator.bugs`, so the pytest fixtures re-raise it in
    the test that queued or installed the faulty answer.
    """

    def __init__(self, report: str) -> None:
        super().__init__()
        self.report = report


class PlainTextError(PhemuError):
    """An answer of PostHog's Rust services (capture, flags): a status and a plain-text body."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class CaptureError(PlainTextError):
    """A capture request PostHog's capture service refuses (``rust/capture/src/api.rs``)."""


class FlagsServiceError(PlainTextError):
    """A ``/flags`` or definitions request the flags service refuses (``api/errors.rs``)."""


class ConfigurationError(PhemuError, ValueError):
    """A bad emulator configuration (unknown profile, bad plugin...), raised at start-up."""


class SeedError(PhemuError, ValueError):
    """A seed or state document that cannot be loaded; the message names the bad record."""


class ControlError(PhemuError):
    """A bad control-plane (``/_phemu/``) request; answered 400 ``{"error": message}``."""


class StateFileError(PhemuError):
    """A state file that cannot be loaded or saved; the message names the file."""


class EnvError(PhemuError, ValueError):
    """A ``PHEMU_*`` variable with a value the matching ``phemu serve`` flag would not accept."""


class PhemuBug(PhemuError, AssertionError):
    """An unexpected exception inside phemu while handling a request (re-raised by
    :meth:`~phemu.emulator.Emulator.check`, so the test that caused it fails)."""


class NoPersonalAPIKeyAccess(PermissionDenied):
    """The ``cloud`` profile's refusal of personal API keys on the session-recording AI routes."""

    default_detail = Msg.NO_PERSONAL_API_KEY_ACCESS
