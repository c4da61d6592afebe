"""Tiny models with random weights, built from configs and saved like real ones.

The neural backends load real models by path; these are the same architectures shrunk to a few
thousand parameters (tokenizers trained here on a few sentences), so every backend's real
loading and inference code runs offline in seconds. Their outputs are random: tests check
types, shapes, reproducibility, what reached the model and the fallbacks, never wording.
"""

from __future__ import annotations

import json
from pathlib import Path

SENTENCES = [
    "Hello there, what a lovely day it is by the sea.",
    "I am standing here smiling at you in my best hat.",
    "You are a person in a photo. Say one short line.",
    "What a wonderful morning for a walk in the park!",
]

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _byte_level_bpe(specials: list[str], vocab_size: int, **tokens: str):
    """A byte-level BPE tokenizer trained on SENTENCES, with ``specials`` as special tokens.

    Args:
        specials: Special tokens, given the first ids in this order.
        vocab_size: Most tokens in all, the specials included.
        **tokens: Roles of some of them (bos_token=, eos_token=, pad_token=, unk_token=).

    Returns:
        A transformers PreTrainedTokenizerFast of a few hundred tokens.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token=tokens.get("unk_token")))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(SENTENCES * 10, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, **tokens)


def build_tiny_chat(folder: Path, *, chat_template: bool = True) -> Path:
    """A 2-layer Llama chat model with a byte-level BPE tokenizer, saved to ``folder``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    specials = ["<pad>", "<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
    tokenizer = _byte_level_bpe(
        specials, 400, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


#: A chat template for the tiny vision-language models, in the shape of SmolVLM's: the user's
#: turn holds the image placeholder, then the question.
VLM_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{{ m['role'] | capitalize }}:"
    "{% if m['content'] is string %} {{ m['content'] }}{% else %}{% for part in m['content'] %}"
    "{% if part['type'] == 'image' %}{{ image_placeholder }}"
    "{% elif part['type'] == 'text' %} {{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "{{ end_of_turn }}\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}"
)


def _vlm_template(image_placeholder: str, end_of_turn: str) -> str:
    return VLM_CHAT_TEMPLATE.replace("{{ image_placeholder }}", image_placeholder).replace(
        "{{ end_of_turn }}", end_of_turn
    )


def build_tiny_smolvlm(folder: Path) -> Path:
    """A chat vision-language model of SmolVLM's architecture (Idefics3), 32 px images.

    A 2-layer SigLIP-style vision encoder (8 px patches, pixel shuffle by 2: 4 image tokens per
    image) feeds a 2-layer Llama; the processor has a chat template, so the caption backend asks
    it a question and keeps only the tokens generated after the prompt.
    """
    import torch
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3ImageProcessorPil,
        Idefics3Processor,
    )

    specials = ["<|endoftext|>", "<|im_start|>", "<end_of_utterance>"]
    specials += ["<fake_token_around_image>", "<image>", "<global-img>"]
    specials += [f"<row_{row}_col_{col}>" for row in range(1, 7) for col in range(1, 7)]
    tokenizer = _byte_level_bpe(
        specials,
        450,
        bos_token="<|im_start|>",
        eos_token="<end_of_utterance>",
        pad_token="<|endoftext|>",
    )
    images = Idefics3ImageProcessorPil(
        size={"longest_edge": 32}, max_image_size={"longest_edge": 32}, do_image_splitting=False
    )
    processor = Idefics3Processor(
        image_processor=images,
        tokenizer=tokenizer,
        image_seq_len=4,  # (32 / 8) ** 2 patches / 2 ** 2 (pixel shuffle)
        chat_template=_vlm_template("<image>", "<end_of_utterance>"),
    )
    config = Idefics3Config(
        text_config={
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 512,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        scale_factor=2,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    torch.manual_seed(0)
    Idefics3ForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_tiny_qwen2_vl(folder: Path) -> Path:
    """A Qwen2-VL chat vision-language model (2-layer vision encoder and text model, 56 px).

    transformers builds a Qwen2-VL processor only with its video processor, which needs
    torchvision; so the parts are saved one by one (tokenizer, PIL image processor, chat
    template, processor class) and ``AutoProcessor`` assembles them when torchvision is there.
    """
    import json

    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    specials += ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    tokenizer = _byte_level_bpe(
        specials, 400, bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    token = tokenizer.convert_tokens_to_ids
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 512,
            # Multimodal rotary positions: (time, height, width) share the 4 frequency pairs.
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 1e4,
                "mrope_section": [2, 1, 1],
            },
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "depth": 2,
            "embed_dim": 32,
            "hidden_size": 32,
            "num_heads": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        image_token_id=token("<|image_pad|>"),
        video_token_id=token("<|video_pad|>"),
        vision_start_token_id=token("<|vision_start|>"),
        vision_end_token_id=token("<|vision_end|>"),
    )
    torch.manual_seed(0)
    Qwen2VLForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=56 * 56).save_pretrained(folder)
    template = _vlm_template("<|vision_start|><|image_pad|><|vision_end|>", "<|im_end|>")
    (folder / "chat_template.jinja").write_text(template, encoding="utf-8")
    processor = {"processor_class": "Qwen2VLProcessor"}
    (folder / "processor_config.json").write_text(json.dumps(processor), encoding="utf-8")
    return folder


def build_tiny_blip(folder: Path) -> Path:
    """A 2-layer BLIP captioner (32 px images) with a small WordPiece vocabulary."""
    import torch
    from transformers import (
        BertTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
    )

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]
    words += sorted({w.strip(".,!").lower() for s in SENTENCES for w in s.split()})
    # "[DEC]" starts every caption, a special token as in the real BLIP tokenizer.
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(words)}, bos_token="[DEC]")
    processor = BlipProcessor(
        image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tokenizer
    )
    config = BlipConfig(
        text_config={
            "vocab_size": len(words),
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 37,
            "max_position_embeddings": 64,
            "bos_token_id": words.index("[DEC]"),
            "sep_token_id": words.index("[SEP]"),
            "eos_token_id": words.index("[SEP]"),
            "pad_token_id": 0,
        },
        vision_config={
            "hidden_size": 32,
            "image_size": 32,
            "patch_size": 8,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 37,
        },
        projection_dim=32,
    )
    torch.manual_seed(0)
    BlipForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_tiny_stable_diffusion(folder: Path) -> Path:
    """A Stable Diffusion pipeline from tiny UNet, VAE and CLIP text encoder configs."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=4,
        attention_head_dim=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=64,
    )
    encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=2,
            pad_token_id=1,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=100,
            max_position_embeddings=77,
        )
    )
    # A character-level CLIP BPE vocabulary (no merges): every lower-case word tokenizes.
    vocab = {"<|startoftext|>": 0, "!": 1, "<|endoftext|>": 2}
    for index, char in enumerate("abcdefghijklmnopqrstuvwxyz,."):
        vocab[char] = 3 + 2 * index
        vocab[char + "</w>"] = 4 + 2 * index
    tokenizer_files = folder / "clip-vocab"
    tokenizer_files.mkdir(parents=True, exist_ok=True)
    (tokenizer_files / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (tokenizer_files / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(
        str(tokenizer_files / "vocab.json"),
        str(tokenizer_files / "merges.txt"),
        model_max_length=77,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="trailing",
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


def install_random_fan(torch_home: Path) -> Path:
    """Saves a FAN-4 with random weights where face_alignment looks for 2DFAN4's weights."""
    import torch
    from face_alignment.api import models_urls
    from face_alignment.models import FAN

    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    target = checkpoints / models_urls["2DFAN-4"].rsplit("/", 1)[1]
    torch.manual_seed(0)
    torch.save(FAN(4).state_dict(), target)
    return target
