#include <list>
#include <string>
#include <unordered_map>

// Keeps the most recently used results and forgets the one used longest ago when it is full.
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {}

  // Store value under key, making it the most recent; evicts the least recently used entry.
  void put(const std::string& key, const std::string& value) {
    auto found = index_.find(key);
    if (found != index_.end()) order_.erase(found->second);
    order_.push_front({key, value});
    index_[key] = order_.begin();
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

 private:
  size_t capacity_;
  std::list<std::pair<std::string, std::string>> order_;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index_;
};
