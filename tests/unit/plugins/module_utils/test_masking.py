from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import MASK, mask_secrets, mask_url_credentials


def test_url_credentials_are_masked_user_kept():
    assert mask_url_credentials("redis://:pw@redis:6379/3") == f"redis://:{MASK}@redis:6379/3"
    assert mask_url_credentials("postgresql://llm:hunter2@db/x") == f"postgresql://llm:{MASK}@db/x"
    assert mask_url_credentials("http://127.0.0.1:4000/health") == "http://127.0.0.1:4000/health"


def test_longest_secret_first_leaves_no_fragment():
    assert mask_secrets("key sk-abcdef and sk-abc", ["sk-abc", "sk-abcdef", None, ""]) == f"key {MASK} and {MASK}"
