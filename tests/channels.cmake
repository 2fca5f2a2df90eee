# Channel adapters: the registry and each kind's parsing, verification and outbound requests
# (no sockets), in one executable; fixtures under tests/data/providers/.
ccd_add_boost_test(channels_test
  SOURCES unit/channels/channels_test_main.cpp
          unit/channels/channel_registry_test.cpp
          unit/channels/common_test.cpp
          unit/channels/cti_channel_test.cpp
          unit/channels/dial_request_test.cpp
          unit/channels/email_channel_test.cpp
          unit/channels/provider_fixtures_test.cpp
          unit/channels/telegram_channel_test.cpp
          unit/channels/twilio_channel_test.cpp
          unit/channels/webchat_channel_test.cpp
          unit/channels/webhook_channel_test.cpp
          unit/channels/wechat_channel_test.cpp
          unit/channels/whatsapp_channel_test.cpp
  LIBS ccd_config ccd_channels)
target_include_directories(channels_test PRIVATE ${CCD_ROOT})
