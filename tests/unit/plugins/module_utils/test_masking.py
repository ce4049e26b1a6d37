from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import MASK, mask_secrets, mask_url_credentials


def test_url_credentials_are_masked_user_kept():
    assert mask_url_credentials("redis://:pw@redis:6379/3") == f"redis://:{MASK}@redis:6379/3"
    assert mask_url_credentials("postgresql://llm:hunter2@db/x") == f"postgresql://llm:{MASK}@db/x"
    assert mask_url_credentials("http://127.0.0.1:4000/health") == "http://127.0.0.1:4000/health"


def test_longest_secret_first_leaves_no_fragment():
    assert mask_secrets("key sk-abcdef and sk-abc", ["sk-abc", "sk-abcdef", None, ""]) == f"key {MASK} and {MASK}"


def test_one_word_list_decides_what_is_a_secret():
    from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import (  # noqa: PLC0415
        is_secret_env_name,
        is_secret_key,
        mask_config_text,
    )

    # config keys: the words of SECRET_WORDS, in any case and inside longer names
    for key in ("password", "redis_password", "MASTER_KEY", "aws_secret_access_key", "azure_credential", "token"):
        assert is_secret_key(key), key
    for key in ("host", "port", "ttl", "namespace", "url"):
        assert not is_secret_key(key), key
    # the config text masks the same keys (credential included), references kept
    text = "cache_params:\n  credential: abc123\n  password: os.environ/REDIS_PASSWORD\n  host: redis\n"
    assert mask_config_text(text) == (
        f"cache_params:\n  credential: {MASK}\n  password: os.environ/REDIS_PASSWORD\n  host: redis\n"
    )
    # environment variables: also any KEY and URL (REDIS_URL carries the password)
    for name in ("REDIS_URL", "LITELLM_SALT_KEY", "REDIS_PASSWORD", "AZURE_CREDENTIAL"):
        assert is_secret_env_name(name), name
    for name in ("PATH", "REDIS_HOST", "LITELLM_LOG"):
        assert not is_secret_env_name(name), name
