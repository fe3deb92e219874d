//! The stable error codes (错误代码) that API clients branch on and the interface translates.
//! Each is serialised as its snake_case name, the same strings the API has always sent; every
//! code has a Chinese and an English message in the web layer's message files (a test checks).

macro_rules! error_codes {
    ($($variant:ident => $text:literal,)*) => {
        /// A stable, snake_case error code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in alphabetical order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as sent to clients.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }

            /// The code named by `text`, if there is one.
            pub fn parse(text: &str) -> Option<ErrorCode> {
                match text {
                    $($text => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    AlreadyAnswered => "already_answered",
    AlreadyApplied => "already_applied",
    AlreadyBooked => "already_booked",
    AlreadyInvited => "already_invited",
    AlreadyLifted => "already_lifted",
    AlreadyNominated => "already_nominated",
    AlreadyRegistered => "already_registered",
    ApplicationClosed => "application_closed",
    ApplicationNotFound => "application_not_found",
    AuditUnavailable => "audit_unavailable",
    BadRequest => "bad_request",
    BaseExists => "base_exists",
    BaseNotFound => "base_not_found",
    BelowMinimumWage => "below_minimum_wage",
    BookingNotFound => "booking_not_found",
    BoothFull => "booth_full",
    BoothNotFound => "booth_not_found",
    BoothsClosed => "booths_closed",
    CalendarNotFound => "calendar_not_found",
    CampaignNotFound => "campaign_not_found",
    ChatNotFound => "chat_not_found",
    ChatsFull => "chats_full",
    CohortClosed => "cohort_closed",
    ContestClosed => "contest_closed",
    ContestNotFound => "contest_not_found",
    ContestNotJudging => "contest_not_judging",
    CorrectionDecided => "correction_decided",
    CorrectionNotFound => "correction_not_found",
    CourseNotFound => "course_not_found",
    CourseNotLive => "course_not_live",
    CourseOver => "course_over",
    CreditCodeRequired => "credit_code_required",
    CsrfFailed => "csrf_failed",
    DatabaseUnavailable => "database_unavailable",
    DisputeNotFound => "dispute_not_found",
    EditConflict => "edit_conflict",
    EmployerBlacklisted => "employer_blacklisted",
    EmployerExists => "employer_exists",
    EmployerNotFound => "employer_not_found",
    EmployerNotVerified => "employer_not_verified",
    EmployerRequired => "employer_required",
    EntryNotFound => "entry_not_found",
    EventClosed => "event_closed",
    EventNotFound => "event_not_found",
    EventNotLive => "event_not_live",
    EvidenceNotFound => "evidence_not_found",
    FederationOff => "federation_off",
    FederationUnreachable => "federation_unreachable",
    Forbidden => "forbidden",
    GraduateNotFound => "graduate_not_found",
    GrantExists => "grant_exists",
    GrantNotFound => "grant_not_found",
    HardshipNotFound => "hardship_not_found",
    ImportFailed => "import_failed",
    InternalError => "internal_error",
    InternshipNotEmployment => "internship_not_employment",
    InvalidAmount => "invalid_amount",
    InvalidApplication => "invalid_application",
    InvalidApplyMethod => "invalid_apply_method",
    InvalidCapacity => "invalid_capacity",
    InvalidCategory => "invalid_category",
    InvalidChannel => "invalid_channel",
    InvalidCohort => "invalid_cohort",
    InvalidConsent => "invalid_consent",
    InvalidContact => "invalid_contact",
    InvalidCredentials => "invalid_credentials",
    InvalidCreditCode => "invalid_credit_code",
    InvalidDate => "invalid_date",
    InvalidDeadline => "invalid_deadline",
    InvalidDecision => "invalid_decision",
    InvalidDescription => "invalid_description",
    InvalidDisability => "invalid_disability",
    InvalidDisplayName => "invalid_display_name",
    InvalidEducation => "invalid_education",
    InvalidEmployerType => "invalid_employer_type",
    InvalidEnvelopes => "invalid_envelopes",
    InvalidEvidence => "invalid_evidence",
    InvalidExpiry => "invalid_expiry",
    InvalidFile => "invalid_file",
    InvalidForm => "invalid_form",
    InvalidGrant => "invalid_grant",
    InvalidHeadcount => "invalid_headcount",
    InvalidHelper => "invalid_helper",
    InvalidIndustry => "invalid_industry",
    InvalidJudge => "invalid_judge",
    InvalidKind => "invalid_kind",
    InvalidLevel => "invalid_level",
    InvalidMajorClass => "invalid_major_class",
    InvalidMajors => "invalid_majors",
    InvalidMessage => "invalid_message",
    InvalidMinWage => "invalid_min_wage",
    InvalidMood => "invalid_mood",
    InvalidName => "invalid_name",
    InvalidNeed => "invalid_need",
    InvalidNote => "invalid_note",
    InvalidOccupation => "invalid_occupation",
    InvalidOpenings => "invalid_openings",
    InvalidOrg => "invalid_org",
    InvalidOrgCode => "invalid_org_code",
    InvalidPay => "invalid_pay",
    InvalidPeer => "invalid_peer",
    InvalidPlan => "invalid_plan",
    InvalidPosition => "invalid_position",
    InvalidPositions => "invalid_positions",
    InvalidPosting => "invalid_posting",
    InvalidProgramme => "invalid_programme",
    InvalidQuery => "invalid_query",
    InvalidReason => "invalid_reason",
    InvalidRegion => "invalid_region",
    InvalidReportKind => "invalid_report_kind",
    InvalidReportState => "invalid_report_state",
    InvalidReportTarget => "invalid_report_target",
    InvalidRole => "invalid_role",
    InvalidRoster => "invalid_roster",
    InvalidRules => "invalid_rules",
    InvalidSalary => "invalid_salary",
    InvalidScope => "invalid_scope",
    InvalidSignature => "invalid_signature",
    InvalidSize => "invalid_size",
    InvalidSkills => "invalid_skills",
    InvalidSpecial => "invalid_special",
    InvalidState => "invalid_state",
    InvalidStatus => "invalid_status",
    InvalidStep => "invalid_step",
    InvalidText => "invalid_text",
    InvalidTitle => "invalid_title",
    InvalidTokenName => "invalid_token_name",
    InvalidTotp => "invalid_totp",
    InvalidTransition => "invalid_transition",
    InvalidUnit => "invalid_unit",
    InvalidUrl => "invalid_url",
    InvalidUsername => "invalid_username",
    InvalidVisibility => "invalid_visibility",
    InvalidYear => "invalid_year",
    InvitationNotFound => "invitation_not_found",
    LiftViaVerification => "lift_via_verification",
    MethodNotAllowed => "method_not_allowed",
    Muted => "muted",
    NoChange => "no_change",
    NoGrant => "no_grant",
    NoLines => "no_lines",
    NoMinimumWage => "no_minimum_wage",
    NominationNotFound => "nomination_not_found",
    NotFound => "not_found",
    NotGrassroots => "not_grassroots",
    NotRegistered => "not_registered",
    NoteRequired => "note_required",
    OfferNotHeld => "offer_not_held",
    OrgNotFound => "org_not_found",
    OrgTooBroad => "org_too_broad",
    PayRequired => "pay_required",
    PayloadTooLarge => "payload_too_large",
    PeerNotFound => "peer_not_found",
    PersonNotFound => "person_not_found",
    PhotoNotFound => "photo_not_found",
    PostingClosed => "posting_closed",
    PostingNotFound => "posting_not_found",
    PostingWithdrawn => "posting_withdrawn",
    ProgrammeOutsideUnit => "programme_outside_unit",
    ProofDoesNotFit => "proof_does_not_fit",
    ProofRequired => "proof_required",
    QueryTooLong => "query_too_long",
    QueueEmpty => "queue_empty",
    QueuePaused => "queue_paused",
    RateLimited => "rate_limited",
    ReasonRequired => "reason_required",
    RefEntryNotFound => "ref_entry_not_found",
    RegionRequired => "region_required",
    RegistrationNotFound => "registration_not_found",
    RegistrationRules => "registration_rules",
    Removed => "removed",
    ReportNotFound => "report_not_found",
    RequestTimeout => "request_timeout",
    ResumeNotFound => "resume_not_found",
    RoleDoesNotFitOrg => "role_does_not_fit_org",
    ScamReportNotFound => "scam_report_not_found",
    SearchUnavailable => "search_unavailable",
    SeparationOfDuties => "separation_of_duties",
    ServiceUnavailable => "service_unavailable",
    SheetTooLarge => "sheet_too_large",
    SlotFull => "slot_full",
    SlotNotFound => "slot_not_found",
    SpecialNotEligible => "special_not_eligible",
    StatementRequired => "statement_required",
    StorageCorrupt => "storage_corrupt",
    StorageUnavailable => "storage_unavailable",
    SubjectRequired => "subject_required",
    TextTooLong => "text_too_long",
    TicketExpired => "ticket_expired",
    TicketInvalid => "ticket_invalid",
    TokenNotFound => "token_not_found",
    TooLong => "too_long",
    TooManyLines => "too_many_lines",
    TooManyPhotos => "too_many_photos",
    TooManyRequests => "too_many_requests",
    TotpAlreadyEnabled => "totp_already_enabled",
    TotpEnrolmentRequired => "totp_enrolment_required",
    TotpNotSetUp => "totp_not_set_up",
    TotpRequired => "totp_required",
    TotpRequiredByPolicy => "totp_required_by_policy",
    Unauthenticated => "unauthenticated",
    UnknownCatalogue => "unknown_catalogue",
    UnknownCode => "unknown_code",
    UnknownLanguage => "unknown_language",
    UnknownPeer => "unknown_peer",
    UnknownProof => "unknown_proof",
    UnprocessableEntity => "unprocessable_entity",
    UnsignedRequest => "unsigned_request",
    UnsupportedMediaType => "unsupported_media_type",
    UserNotFound => "user_not_found",
    UsernameTaken => "username_taken",
    VersionConflict => "version_conflict",
    VisitNotFound => "visit_not_found",
    WeakPassword => "weak_password",
    WebsocketRequired => "websocket_required",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_snake_case_sorted_and_round_trip() {
        let mut previous = "";
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{text}");
            assert!(!text.starts_with('_') && !text.ends_with('_') && !text.contains("__"), "{text}");
            assert!(text > previous, "{text} is out of order or repeated");
            assert_eq!(ErrorCode::parse(text), Some(*code));
            previous = text;
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }
}
