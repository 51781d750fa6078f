package sandbox

import "strings"

// What Meta's machine-readable Graph API specs say exists: the fields and
// the GET edges of the nodes the fake serves, the Page tasks enum and the
// subscribed_fields enum. Source: github.com/facebook/facebook-business-sdk-codegen,
// commit ad2b0b6fdfbe4d73ed0754cb4562ef20b72b40d4 (2026-04-15), files
// api_specs/specs/Page.json, User.json, Business.json ("fields" and the GET
// "apis" endpoints) and enum_types.json (pageassigned_users_tasks_enum_param,
// pagesubscribed_apps_subscribed_fields_enum_param). The conformance test
// (conformance_test.go) checks these lists, and the fake's answers, against
// the curated copy in testdata/meta-graph-facts.json. docs/FACEBOOK.md §2.
//
// A field that exists but that the fake does not model is simply left out
// of the answer, as Graph leaves out fields without a value; a field that
// does not exist is (#100) "Tried accessing nonexisting field". Note that
// "tasks" is not a field of Page: only the edges that list a person's
// Pages (/me/accounts, /{user}/assigned_pages) add it.

// pageFields: Page.json "fields" (153 names).
var pageFields = set(`
	about access_token ad_campaign affiliation app_id artists_we_like attire available_promo_offer_ids awards
	band_interests band_members best_page bio birthday booking_agent breaking_news_usage built business
	can_checkin can_post category category_list checkins company_overview connected_instagram_account
	connected_page_backed_instagram_account contact_address copyright_attribution_insights
	copyright_whitelisted_ig_partners country_page_likes cover culinary_team current_location
	delivery_and_pickup_option_info description description_html differently_open_offerings directed_by
	display_subtext displayed_message_response_time does_viewer_have_page_permission_link_ig emails engagement
	fan_count featured_video features followers_count food_styles founded general_info general_manager genre
	global_brand_page_name global_brand_root_id has_added_app has_lead_access
	has_transitioned_to_new_page_experience has_whatsapp_business_number has_whatsapp_number hometown hours id
	impressum influences instagram_business_account is_always_open is_calling_eligible is_chain is_community_page
	is_eligible_for_branded_content is_eligible_for_disable_connect_ig_btn_for_non_page_admin_am_web
	is_messenger_bot_get_started_enabled is_messenger_platform_bot is_owned is_permanently_closed is_published
	is_unclaimed is_verified is_webhooks_subscribed keywords leadgen_tos_acceptance_time leadgen_tos_accepted
	leadgen_tos_accepting_user link location members merchant_id merchant_review_status messaging_feature_status
	messenger_ads_default_icebreakers messenger_ads_default_quick_replies messenger_ads_quick_replies_type
	mini_shop_storefront mission mpg name name_with_location_descriptor network new_like_count offer_eligible
	overall_star_rating owner_business page_token parent_page parking payment_options personal_info
	personal_interests pharma_safety_info phone pickup_options place_type plot_outline preferred_audience
	press_contact price_range priority_hours privacy_info_url produced_by products promotion_eligible
	promotion_ineligible_reason public_transit rating_count recipient record_label release_date
	restaurant_services restaurant_specialties schedule screenplay_by season single_line_address starring
	start_info store_code store_location_descriptor store_number studio supports_donate_button_in_live_video
	talking_about_count temporary_status unread_message_count unread_notif_count unseen_message_count
	user_access_expire_time username verification_status voip_info website were_here_count whatsapp_number
	written_by`)

// pageEdges: Page.json GET endpoints (71); Graph also expands an edge named in fields.
var pageEdges = set(`
	ab_tests ads_eligibility ads_posts agencies albums ar_experience assigned_users blocked businessprojects
	call_to_actions canvas_elements canvases chat_plugin commerce_merchant_settings commerce_orders
	commerce_payouts commerce_transactions conversations crosspost_whitelisted_pages ctx_optimization_eligibility
	custom_labels custom_user_settings dataset events fantasy_games feed global_brand_children image_copyrights
	indexed_videos insights instagram_accounts leadgen_forms likes live_videos locations media_fingerprints
	message_templates messaging_feature_review messenger_call_permissions messenger_call_settings
	messenger_lead_forms messenger_profile notification_message_tokens page_backed_instagram_accounts personas
	photos picture posts product_catalogs published_posts ratings roles rtb_dynamic_posts scheduled_posts
	secondary_receivers settings shop_setup_status space_participants store_locations stories subscribed_apps tabs
	tagged thread_owner threads video_copyright_rules video_lists video_reels videos visitor_posts
	welcome_message_flows`)

// userFields: User.json "fields" (49 names).
var userFields = set(`
	about age_range birthday client_business_id community cover currency education email favorite_athletes
	favorite_teams first_name gender hometown id inspirational_people install_type installed is_guest_user
	is_work_account languages last_name link local_news_megaphone_dismiss_status local_news_subscription_status
	locale location meeting_for middle_name name name_format payment_pricepoints political profile_pic quotes
	relationship_status religion shared_login_upgrade_required_by short_name significant_other sports
	supports_donate_button_in_live_video third_party_id timezone token_for_business updated_time verified
	video_upload_limits website`)

// userEdges: User.json GET endpoints (35); Graph also expands an edge named in fields.
var userEdges = set(`
	accounts ad_studies adaccounts albums apprequestformerrecipients apprequests assigned_ad_accounts
	assigned_applications assigned_business_asset_groups assigned_pages assigned_product_catalogs
	assigned_whatsapp_business_accounts business_users businesses conversations custom_labels events feed friends
	fundraisers groups ids_for_apps ids_for_business ids_for_pages likes live_videos music payment_transactions
	permissions personal_ad_accounts photos picture posts rich_media_documents videos`)

// businessFields: Business.json "fields" (24 names).
var businessFields = set(`
	block_offline_analytics collaborative_ads_managed_partner_business_info
	collaborative_ads_managed_partner_eligibility collaborative_ads_partner_premium_options created_by
	created_time extended_updated_time id is_hidden link marketing_messages_onboarding_status name
	payment_account_id primary_page profile_picture_uri timezone_id two_factor_type updated_by updated_time
	user_access_expire_time verification_status vertical vertical_id whatsapp_business_manager_messaging_limit`)

// businessEdges: Business.json GET endpoints (64); Graph also expands an edge named in fields.
var businessEdges = set(`
	ad_account_infos ad_custom_derived_metrics ad_studies adnetworkanalytics adnetworkanalytics_results
	ads_dataset ads_reporting_mmm_reports ads_reporting_mmm_schedulers adspixels agencies an_placements
	business_asset_groups business_invoices business_users businessprojects client_ad_accounts client_apps
	client_instagram_assets client_offsite_signal_container_business_objects client_pages client_pixels
	client_product_catalogs client_whatsapp_business_accounts clients collaborative_ads_collaboration_requests
	collaborative_ads_suggested_partners commerce_merchant_settings cpas_business_setup_config
	cpas_merchant_config creditcards event_source_groups extendedcreditapplications extendedcredits
	initiated_audience_sharing_requests instagram_accounts instagram_business_accounts
	managed_partner_ads_funding_source_details openbridge_configurations owned_ad_accounts owned_apps
	owned_businesses owned_instagram_accounts owned_instagram_assets
	owned_offsite_signal_container_business_objects owned_pages owned_pixels owned_product_catalogs
	owned_whatsapp_business_accounts partner_account_linking passback_attribution_metadata_configs
	pending_client_ad_accounts pending_client_apps pending_client_pages pending_owned_ad_accounts
	pending_owned_pages pending_shared_offsite_signal_container_business_objects pending_users picture
	preverified_numbers received_audience_sharing_requests reseller_guidances
	self_certified_whatsapp_business_submissions system_users third_party_measurement_report_dataset`)

// PageTasks is Meta's enum of Page tasks (enum_types.json pageassigned_users_tasks_enum_param):
// the classic family (MANAGE, MESSAGING, MODERATE, …) and the New Pages
// Experience family (PROFILE_PLUS_…). 27 values.
var PageTasks = strings.Fields(`
	ADVERTISE ANALYZE CASHIER_ROLE CREATE_CONTENT GLOBAL_STRUCTURE_MANAGEMENT MANAGE MANAGE_JOBS MANAGE_LEADS
	MESSAGING MODERATE MODERATE_COMMUNITY PAGES_MESSAGING PAGES_MESSAGING_SUBSCRIPTIONS PROFILE_PLUS_ADVERTISE
	PROFILE_PLUS_ANALYZE PROFILE_PLUS_CREATE_CONTENT PROFILE_PLUS_FACEBOOK_ACCESS PROFILE_PLUS_FULL_CONTROL
	PROFILE_PLUS_GLOBAL_STRUCTURE_MANAGEMENT PROFILE_PLUS_MANAGE PROFILE_PLUS_MANAGE_LEADS PROFILE_PLUS_MESSAGING
	PROFILE_PLUS_MODERATE PROFILE_PLUS_MODERATE_DELEGATE_COMMUNITY PROFILE_PLUS_REVENUE READ_PAGE_MAILBOXES
	VIEW_MONETIZATION_INSIGHTS`)

// SubscribedFieldsEnum is what POST /{page}/subscribed_apps accepts in
// subscribed_fields (enum_types.json pagesubscribed_apps_subscribed_fields_enum_param). 104 values.
var SubscribedFieldsEnum = strings.Fields(`
	affiliation attire awards bio birthday business_integrity call_permission_reply call_settings_update calls
	category checkins comment_poll_response company_overview conversations culinary_team current_location
	description email feature_access_list feed follow founded general_info general_manager group_feed hometown
	hours inbox_labels invalid_topic_placeholder invoice_access_bank_slip_events invoice_access_invoice_change
	invoice_access_invoice_draft_change invoice_access_onboarding_status_active leadgen leadgen_fat leadgen_update
	live_videos local_delivery location marketing_message_clicks marketing_message_deliveries
	marketing_message_delivery_failed marketing_message_echoes marketing_message_reads
	marketing_messages_subscriber_upload_status mcom_invoice_change members mention merchant_review
	message_context message_deliveries message_echoes message_edits message_mention message_reactions
	message_reads message_template_status_update messages messaging_account_linking messaging_appointments
	messaging_checkout_updates messaging_customer_information messaging_direct_sends
	messaging_fblogin_account_linking messaging_feedback messaging_game_plays messaging_handovers
	messaging_in_thread_lead_form_submit messaging_integrity messaging_optins messaging_optouts messaging_payments
	messaging_policy_enforcement messaging_postbacks messaging_pre_checkouts messaging_referrals mission name
	page_about_story page_change_proposal page_upcoming_change parking payment_options payment_request_update
	personal_info personal_interests phone picture price_range product_review products public_transit
	publisher_subscriptions ratings registration response_feedback send_cart standby story_poll_response
	story_share user_action video_text_question_responses videos website`)

// set turns a whitespace-separated list into a lookup set.
func set(list string) map[string]bool {
	out := map[string]bool{}
	for _, s := range strings.Fields(list) {
		out[s] = true
	}
	return out
}

var (
	pageTaskSet        = set(strings.Join(PageTasks, " "))
	subscribedFieldSet = set(strings.Join(SubscribedFieldsEnum, " "))
)
