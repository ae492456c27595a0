"""Generic topics every text is also compared with, to calibrate zero-shot label scores.

E5's cosine similarities sit in a narrow band (0.7-0.9) that shifts with the text: Spanish text,
long text and short text each sit higher or lower against *every* label. A label's similarity is
therefore read relative to the same text's similarities with these everyday topics (how many
standard deviations above their mean), which makes one threshold work for any text and any
taxonomy, two labels or five hundred. The list is broad on purpose; that it overlaps a tenant's
labels ("food", "sport") only moves the mean by one topic in thirty.
"""

BACKGROUND_TOPICS = (
    "weather and climate",
    "history and wars",
    "politics and elections",
    "religion and beliefs",
    "animals and pets",
    "cars and driving",
    "fashion and clothing",
    "education and schools",
    "science and research",
    "art and painting",
    "family and relationships",
    "movies and television",
    "video games",
    "housing and real estate",
    "jobs and careers",
    "gardening and plants",
    "books and literature",
    "music",
    "travel",
    "health and medicine",
    "law and courts",
    "food",
    "money",
    "sport",
    "technology",
    "nature and the environment",
    "crime and police",
    "shopping",
    "emotions and feelings",
    "transport and traffic",
)
